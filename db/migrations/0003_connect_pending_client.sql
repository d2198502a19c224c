ALTER TYPE "public"."zendesk_connection_event_type" ADD VALUE 'grant_replaced' BEFORE 'test_succeeded';--> statement-breakpoint
ALTER TABLE "zendesk_connect_intents" ADD COLUMN "pending_client_identifier" text;--> statement-breakpoint
ALTER TABLE "zendesk_connect_intents" ADD COLUMN "pending_client_kind" "zendesk_client_kind";--> statement-breakpoint
ALTER TABLE "zendesk_connect_intents" ADD COLUMN "pending_client_secret_ciphertext" text;