// Shared pieces of the fake Graph API (Facebook and Instagram): the documented error body and usage headers.
//   https://developers.facebook.com/docs/graph-api/guides/error-handling   (error response, codes 4/17/32/190/613)
//   https://developers.facebook.com/docs/graph-api/overview/rate-limiting/ (X-App-Usage, X-Business-Use-Case-Usage)

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

/** X-App-Usage as the rate-limiting page documents it: percentages of the app's hourly limit. */
export function appUsage(pct: number): Record<string, string> {
  return {
    "x-app-usage": JSON.stringify({
      call_count: pct,
      total_time: Math.min(pct, 25),
      total_cputime: Math.min(pct, 25),
    }),
  };
}

/** X-Business-Use-Case-Usage keyed by business object id, with the minutes until access is regained. */
export function businessUseCaseUsage(
  objectId: string,
  type: string,
  regainMinutes: number,
): Record<string, string> {
  return {
    "x-business-use-case-usage": JSON.stringify({
      [objectId]: [
        {
          type,
          call_count: 100,
          total_cputime: 20,
          total_time: 20,
          estimated_time_to_regain_access: regainMinutes,
        },
      ],
    }),
  };
}

export type GraphFault = {
  kind: "error";
  status: number;
  code: number;
  message: string;
  headers?: Record<string, string>;
} | null;
