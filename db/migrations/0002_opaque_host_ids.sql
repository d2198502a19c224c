ALTER TABLE "zendesk_connect_intents" DROP CONSTRAINT "zendesk_connect_intents_workspace_id_workspaces_id_fk";
--> statement-breakpoint
ALTER TABLE "zendesk_connect_intents" DROP CONSTRAINT "zendesk_connect_intents_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "zendesk_connection_events" DROP CONSTRAINT "zendesk_connection_events_workspace_id_workspaces_id_fk";
--> statement-breakpoint
ALTER TABLE "zendesk_connection_events" DROP CONSTRAINT "zendesk_connection_events_actor_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "zendesk_connections" DROP CONSTRAINT "zendesk_connections_workspace_id_workspaces_id_fk";
--> statement-breakpoint
ALTER TABLE "zendesk_connections" DROP CONSTRAINT "zendesk_connections_connected_by_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "zendesk_oauth_clients" DROP CONSTRAINT "zendesk_oauth_clients_workspace_id_workspaces_id_fk";
--> statement-breakpoint
ALTER TABLE "zendesk_oauth_clients" DROP CONSTRAINT "zendesk_oauth_clients_created_by_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "webhook_messages" ALTER COLUMN "workspace_id" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "zendesk_connect_intents" ALTER COLUMN "workspace_id" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "zendesk_connect_intents" ALTER COLUMN "user_id" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "zendesk_connection_events" ALTER COLUMN "workspace_id" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "zendesk_connection_events" ALTER COLUMN "actor_user_id" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "zendesk_connections" ALTER COLUMN "workspace_id" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "zendesk_connections" ALTER COLUMN "connected_by_user_id" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "zendesk_oauth_clients" ALTER COLUMN "workspace_id" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "zendesk_oauth_clients" ALTER COLUMN "created_by_user_id" SET DATA TYPE text;