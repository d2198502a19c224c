ALTER TABLE "zendesk_connections" ADD COLUMN "refresh_lease_holder" text;--> statement-breakpoint
ALTER TABLE "zendesk_connections" ADD COLUMN "refresh_lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "zendesk_connections" ADD COLUMN "refresh_in_flight_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "zendesk_connections" ADD COLUMN "refresh_failures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "zendesk_connections" ADD COLUMN "failing_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "zendesk_connections" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "zendesk_connections_refresh_expiry_idx" ON "zendesk_connections" USING btree ("refresh_token_expires_at");