CREATE TYPE "public"."webhook_message_status" AS ENUM('pending', 'delivered', 'failed', 'gone');--> statement-breakpoint
CREATE TYPE "public"."zendesk_client_kind" AS ENUM('confidential', 'public');--> statement-breakpoint
CREATE TYPE "public"."zendesk_connection_event_type" AS ENUM('connected', 'reconnected', 'scopes_changed', 'refreshed', 'refresh_failed', 'needs_reconnect', 'revoked', 'disconnected', 'revocation_failed', 'grant_replaced', 'test_succeeded', 'test_failed');--> statement-breakpoint
CREATE TYPE "public"."zendesk_connection_mode" AS ENUM('authorization_code', 'client_credentials');--> statement-breakpoint
CREATE TYPE "public"."zendesk_connection_status" AS ENUM('active', 'needs_reconnect', 'revoked', 'error');--> statement-breakpoint
CREATE TABLE "throttles" (
	"key" text PRIMARY KEY NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_attempt_at" timestamp with time zone NOT NULL,
	"blocked_until" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_alerts" (
	"key" text PRIMARY KEY NOT NULL,
	"last_logged_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"connection_id" uuid,
	"workspace_id" text,
	"body" text NOT NULL,
	"status" "webhook_message_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_holder" text,
	"lease_expires_at" timestamp with time zone,
	"last_attempt_at" timestamp with time zone,
	"last_status" integer,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "zendesk_connect_intents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" text NOT NULL,
	"user_id" text NOT NULL,
	"subdomain" text NOT NULL,
	"scopes" text[] NOT NULL,
	"oauth_client_id" uuid,
	"return_to" text NOT NULL,
	"pending_client_identifier" text,
	"pending_client_kind" "zendesk_client_kind",
	"pending_client_secret_ciphertext" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"consumed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "zendesk_connection_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"connection_id" uuid,
	"workspace_id" text NOT NULL,
	"subdomain" text NOT NULL,
	"type" "zendesk_connection_event_type" NOT NULL,
	"actor_user_id" text,
	"detail" text,
	"data" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "zendesk_connections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" text NOT NULL,
	"subdomain" text NOT NULL,
	"mode" "zendesk_connection_mode" DEFAULT 'authorization_code' NOT NULL,
	"oauth_client_id" uuid,
	"zendesk_user_id" text,
	"zendesk_user_name" text,
	"zendesk_user_email" text,
	"zendesk_user_role" text,
	"requested_scopes" text[] NOT NULL,
	"granted_scopes" text[] NOT NULL,
	"zendesk_token_id" text,
	"access_token_ciphertext" text NOT NULL,
	"refresh_token_ciphertext" text,
	"access_token_expires_at" timestamp with time zone,
	"refresh_token_expires_at" timestamp with time zone,
	"token_version" integer DEFAULT 1 NOT NULL,
	"status" "zendesk_connection_status" DEFAULT 'active' NOT NULL,
	"status_reason" text,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"last_refreshed_at" timestamp with time zone,
	"refresh_lease_holder" text,
	"refresh_lease_expires_at" timestamp with time zone,
	"refresh_in_flight_since" timestamp with time zone,
	"refresh_failures" integer DEFAULT 0 NOT NULL,
	"failing_since" timestamp with time zone,
	"next_attempt_at" timestamp with time zone,
	"connected_by_user_id" text,
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "zendesk_oauth_clients" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" text NOT NULL,
	"subdomain" text NOT NULL,
	"identifier" text NOT NULL,
	"kind" "zendesk_client_kind" NOT NULL,
	"secret_ciphertext" text,
	"created_by_user_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "zendesk_subdomain_checks" (
	"workspace_id" text NOT NULL,
	"subdomain" text NOT NULL,
	"outcome" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "zendesk_subdomain_checks_workspace_id_subdomain_pk" PRIMARY KEY("workspace_id","subdomain")
);
--> statement-breakpoint
ALTER TABLE "zendesk_connect_intents" ADD CONSTRAINT "zendesk_connect_intents_oauth_client_id_zendesk_oauth_clients_id_fk" FOREIGN KEY ("oauth_client_id") REFERENCES "public"."zendesk_oauth_clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "zendesk_connection_events" ADD CONSTRAINT "zendesk_connection_events_connection_id_zendesk_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."zendesk_connections"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "zendesk_connections" ADD CONSTRAINT "zendesk_connections_oauth_client_id_zendesk_oauth_clients_id_fk" FOREIGN KEY ("oauth_client_id") REFERENCES "public"."zendesk_oauth_clients"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "throttles_expires_idx" ON "throttles" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "webhook_messages_due_idx" ON "webhook_messages" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "webhook_messages_created_idx" ON "webhook_messages" USING btree ("created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "zendesk_connect_intents_user_idx" ON "zendesk_connect_intents" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "zendesk_connection_events_connection_idx" ON "zendesk_connection_events" USING btree ("connection_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "zendesk_connections_workspace_subdomain_uq" ON "zendesk_connections" USING btree ("workspace_id","subdomain");--> statement-breakpoint
CREATE INDEX "zendesk_connections_access_expiry_idx" ON "zendesk_connections" USING btree ("access_token_expires_at");--> statement-breakpoint
CREATE INDEX "zendesk_connections_refresh_expiry_idx" ON "zendesk_connections" USING btree ("refresh_token_expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "zendesk_oauth_clients_workspace_subdomain_uq" ON "zendesk_oauth_clients" USING btree ("workspace_id","subdomain");