// Shared pieces of the fake Graph API (Facebook and Instagram): the documented error body and usage headers.
//   https://developers.facebook.com/docs/graph-api/guides/error-handling   (error response, codes 4/17/32/190/613)
//   https://developers.facebook.com/docs/graph-api/overview/rate-limiting/ (X-App-Usage, X-Business-Use-Case-Usage;
//     sample header values verbatim below — the stored page copy is cut short, the samples were read from
//     public GitHub Markdown copies of the same page, which agree with each other)

/** The error-handling page's example error response, verbatim. */
export const DOC_ERROR_EXAMPLE = {
  error: {
    message: "Message describing the error",
    type: "OAuthException",
    code: 190,
    error_subcode: 460,
    error_user_title: "A title",
    error_user_msg: "A message",
    fbtrace_id: "EJplcsCHuLu",
  },
};

/** The same documented shape with another code (4: app-wide throttle, 17: user, 32: page, 613: custom). */
export function graphError(code: number, message: string) {
  return { error: { message, type: "OAuthException", code, fbtrace_id: "EJplcsCHuLu" } };
}

/**
 * The rate-limiting page's "Sample X-App-Usage Header Value", verbatim (less its `//` comments):
 * percentages of the app's rolling-hour limit.
 */
export const DOC_APP_USAGE_EXAMPLE = { call_count: 28, total_time: 25, total_cputime: 25 };

/**
 * X-App-Usage with the documented example's values; `callCount` other than the example's 28 is ours
 * (the page shows no app at 100 %), used to put the app at its limit.
 */
export function appUsage(callCount = DOC_APP_USAGE_EXAMPLE.call_count): Record<string, string> {
  return { "x-app-usage": JSON.stringify({ ...DOC_APP_USAGE_EXAMPLE, call_count: callCount }) };
}

/**
 * The rate-limiting page's "Sample X-Business-Use-Case-Usage Header Value", verbatim but for what is not
 * JSON there: its `//` comments and the closing `...` line (with the comma before it) are left out. The
 * placeholders (`{business-object-id}`, `{rate-limit-type}`) and the repeated key `10153848260347724`
 * are the page's. Its largest `estimated_time_to_regain_access` is 19 (minutes).
 */
export const DOC_BUSINESS_USE_CASE_USAGE_EXAMPLE = `{
    "{business-object-id}": [
        {
            "type": "{rate-limit-type}",
            "call_count": 100,
            "total_cputime": 25,
            "total_time": 25,
            "estimated_time_to_regain_access": 19,
            "ads_api_access_tier": "standard_access"
        }
    ],
    "66782684": [
        {
            "type": "ads_management",
            "call_count": 95,
            "total_cputime": 20,
            "total_time": 20,
            "estimated_time_to_regain_access": 0,
            "ads_api_access_tier": "development_access"
        }
    ],
    "10153848260347724": [
        {
            "type": "ads_insights",
            "call_count": 97,
            "total_cputime": 23,
            "total_time": 23,
            "estimated_time_to_regain_access": 0,
            "ads_api_access_tier": "development_access"
        }
    ],
    "10153848260347724": [
        {
            "type": "pages",
            "call_count": 97,
            "total_cputime": 23,
            "total_time": 23,
            "estimated_time_to_regain_access": 0
        }
    ]
}`;

/** X-Business-Use-Case-Usage carrying the documented example (on one line, as a header value must be). */
export function businessUseCaseUsage(): Record<string, string> {
  return { "x-business-use-case-usage": DOC_BUSINESS_USE_CASE_USAGE_EXAMPLE.replace(/\n\s*/g, " ") };
}

export type GraphFault = {
  kind: "error";
  status: number;
  code: number;
  message: string;
  headers?: Record<string, string>;
} | null;
