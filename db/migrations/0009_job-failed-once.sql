-- Duplicates left by the race this index closes: keep the first of each job's "job failed" rows.
DELETE FROM "notifications" a USING "notifications" b WHERE a.kind = 'job_failed' AND b.kind = 'job_failed' AND a.job_id = b.job_id AND a.id > b.id;--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_job_failed" ON "notifications" USING btree ("job_id") WHERE kind = 'job_failed';
