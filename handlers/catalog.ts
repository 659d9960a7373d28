// The catalog of real job types. Each type is one folder in handlers/ exporting its definition.
import { createCatalog } from "./kit/catalog.js";

export const catalog = createCatalog([]);
