// The social platforms the product serves: content generation writes for them, analytics sync reads from
// them, and the API accepts them. Defined once here; `twitter` is X.

export const PLATFORMS = ["twitter", "linkedin", "facebook", "instagram"] as const;
export type Platform = (typeof PLATFORMS)[number];
