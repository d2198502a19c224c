CREATE TABLE "zendesk_subdomain_checks" (
	"workspace_id" text NOT NULL,
	"subdomain" text NOT NULL,
	"outcome" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "zendesk_subdomain_checks_workspace_id_subdomain_pk" PRIMARY KEY("workspace_id","subdomain")
);
