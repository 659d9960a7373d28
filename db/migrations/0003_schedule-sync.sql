ALTER TABLE "schedules" ADD COLUMN "source" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "schedules" ADD COLUMN "last_synced_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "schedules" ADD COLUMN "sync_error" text;--> statement-breakpoint
ALTER TABLE "schedules" ADD COLUMN "agreed" jsonb;--> statement-breakpoint
ALTER TABLE "schedules" ADD COLUMN "console_seen" jsonb;