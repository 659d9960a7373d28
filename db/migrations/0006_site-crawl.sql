CREATE TABLE "site_pages" (
	"source_id" text NOT NULL,
	"url" text NOT NULL,
	"via" text NOT NULL,
	"fetched_lastmod" timestamp with time zone,
	"item_key" text,
	"etag" text,
	"last_modified" text,
	"fetched_at" timestamp with time zone,
	"gone_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "site_pages_source_id_url_pk" PRIMARY KEY("source_id","url")
);
--> statement-breakpoint
ALTER TABLE "context_items" ADD COLUMN "language" text;--> statement-breakpoint
ALTER TABLE "context_items" ADD COLUMN "gone_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "context_sources" ADD COLUMN "scope" text DEFAULT 'page' NOT NULL;--> statement-breakpoint
ALTER TABLE "context_sources" ADD COLUMN "pages_known" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "context_sources" ADD COLUMN "pages_scraped" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "context_sources" ADD COLUMN "last_crawl_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "site_pages" ADD CONSTRAINT "site_pages_source_id_context_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."context_sources"("id") ON DELETE cascade ON UPDATE no action;