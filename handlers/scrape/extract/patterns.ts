// The class/id patterns that mark boilerplate and content, after Mozilla Readability's, plus cookie
// banners, consent walls, newsletters and ads.
export const UNLIKELY =
  /-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote|cookie|consent|newsletter|subscribe|paywall|promo/i;
export const MAYBE_CANDIDATE = /and|article|body|column|content|main|mathjax|shadow/i;
export const POSITIVE =
  /article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story/i;
export const NEGATIVE =
  /-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|widget|cookie|consent|newsletter/i;
/** Ad, cookie-banner and login-box containers removed outright when small (isSmallBlock), whatever they contain. */
export const ALWAYS_REMOVE =
  /(^|[\s_-])(ads?|advert(isement)?s?|adsbygoogle|cookie-?(banner|consent|notice|bar)|consent-?(banner|manager)|cc-banner|gdpr-?(banner|consent)|login)([\s_-]|$)/i;
export const UNLIKELY_ROLES = new Set([
  "menu",
  "menubar",
  "complementary",
  "navigation",
  "alert",
  "alertdialog",
  "dialog",
]);
export const BLOCK_CHILDREN = new Set(
  "blockquote dl div img ol p pre table ul select article section aside header footer nav figure h1 h2 h3 h4 h5 h6".split(
    " ",
  ),
);
export const SCORED_TAGS = new Set(["section", "h2", "h3", "h4", "h5", "h6", "p", "td", "pre"]);
export const BOILERPLATE_TAGS = new Set(["nav", "aside", "footer"]);
export const STRIP_TAGS =
  "script, style, noscript, template, iframe, object, embed, svg, canvas, link, meta, input, button, select, textarea, dialog";
