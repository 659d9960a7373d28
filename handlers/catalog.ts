// The catalog of real job types. Each type is one folder in handlers/ exporting its definition.
import { analyticsSync } from "./analytics-sync/index.js";
import { contentGeneration } from "./content-generation/index.js";
import { createCatalog } from "./kit/catalog.js";
import { scrapeJob } from "./scrape/index.js";

export const catalog = createCatalog([contentGeneration, scrapeJob, analyticsSync]);
