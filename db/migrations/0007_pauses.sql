CREATE TABLE "pauses" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text,
	"org_id" text,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "waiting_reason" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "waiting_key" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "waiting_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pauses" ADD CONSTRAINT "pauses_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;