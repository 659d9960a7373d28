// A content-generation reply the local OpenAI server (openai-server.ts) can answer with: one variation for
// each of the four platforms, every one within its platform's rules, so a job makes a single AI call.
export const FOUR_PLATFORM_POSTS = {
  twitter: [
    { text: "Solar at home pays back faster than you think. https://example.com/solar", hashtags: ["Solar"] },
  ],
  linkedin: [
    {
      text: "Rooftop solar is now a finance decision, not a green gesture.\n\nHere is why.",
      hashtags: ["Energy", "Solar"],
    },
  ],
  facebook: [{ text: "Thinking about solar? Three things to check first.", hashtags: ["Solar"] }],
  instagram: [{ text: "Sun's out, savings out. ☀️", hashtags: ["solar", "home", "savings"] }],
};
