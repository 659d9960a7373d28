// Short blocks inside an article that introduce or are boilerplate, recognised by their text and links:
// headings of related/share/comment sections (several languages) with the link list under them, "Read also:
// <link>" lines, paragraphs that are only a link (inline teasers), date-only and "a | b | date" meta lines,
// picture credit lines ("Foto: …"), copyright or licence notices, short calls to subscribe or follow,
// advertising labels and the comment section's prompts.
import { type Element, elementChildren, isElement, removeNode, type TextStats } from "./dom.js";
import { SECTION_HEADING } from "./section-headings.js";

const HEADING = new Set(["h2", "h3", "h4", "h5", "h6"]);
/** What may follow a section heading as its list of links. */
const LINK_BLOCK = new Set(["ul", "ol", "div", "section", "nav", "aside", "dl"]);
/** Blocks that may be a date line (an inline date belongs to its sentence). */
const DATE_BLOCK = new Set(["p", "div", "li", "dd", "dt"]);
const LABELLED_LINK = /^[^.!?:]{2,40}:\s*\S/;
const DATE =
  "(\\d{1,2}\\.\\s?\\d{1,2}\\.\\s?\\d{2,4}|\\d{1,2}/\\d{1,2}/\\d{2,4}|\\d{4}-\\d{2}-\\d{2}|\\d{1,2}\\.?\\s\\p{L}{3,10}\\.?\\s\\d{4}|\\p{L}{3,10}\\.?\\s\\d{1,2},?\\s\\d{4})";
const TIME = "(\\d{1,2}:\\d{2}(\\s?([ap]\\.?m\\.?|uhr|h))?)";
/** A line that is only a date and/or time, with at most a short label ("Updated:", "Stand", a weekday). */
const DATE_ONLY = new RegExp(
  `^([\\p{L} ]{1,20}[:,]?\\s)?(${DATE}([\\s,|·–-]+${TIME})?|${TIME})[\\s.]*$`,
  "iu",
);

/** A byline or post-meta line: fields split by bars or middots, one of them a date or time. */
const META_SEPARATOR = /\s[|·•]\s/u;
const HAS_DATE = new RegExp(`${DATE}|${TIME}`, "iu");
/** Copyright and licence notices of the site (not quotes about them: a notice is a short line of its own). */
const RIGHTS =
  /^\s*(©|\(c\) \d{4}|copyright\b)|all rights reserved|alle rechte vorbehalten|tous droits réservés|todos los derechos reservados|tutti i diritti riservati|todos os direitos reservados|licensed under (a |the )?creative commons|vervielfältigung nur mit|copyrighted property|written permission/iu;
/** A picture credit or source line: "Foto: …", "Source: …", "Crédits photos : …". */
const CREDIT_LINE =
  /^[([]?(fotos?|photos?|bild(er)?|titelbild|beitragsbild|quelle|source|fuente|fonte|crédits?( photos?)?|credits?|image|imagen|abbildung|abb\.|copyright|©)\s?:/iu;
const CREDIT_BLOCK = new Set(["p", "div", "span", "small", "em", "i", "figcaption"]);

/** Calls to subscribe or become a member (paywall and membership appeals), as a short line of their own. */
const SUBSCRIBE =
  /\b(subscribe|subscriber|subscription|abonnieren|abonnent|suscr[ií]b|hazte miembro|s'abonner|abbonati)/iu;

/** Calls to follow the site on social media, join its channel or get its app (en, de, es, fr). */
const FOLLOW =
  /\b(follow (us|me)\b|follow [@\p{L}\d ]{2,30} on (twitter|facebook|instagram|x)\b|keep up with (us|me)|s[ií]guenos|suivez-nous|folge(n sie)? uns|folgt uns|únete|join (us|our)\b|download (the|our) [\p{L}\d ]{0,30}apps?\b|(telegram|whatsapp)[- ]?(kanal|channel|canal|gruppe|group)|canal de (telegram|whatsapp)|sign up for (our|the) newsletter|newsletter (abonnieren|bestellen)|suscr[ií]bete|abonnez-vous)/iu;
/** An advertising label opening a short line: "Anzeige:", "- Anzeige -", "*Werbung.", "Advertisement". */
const AD_LABEL =
  /^[-–*\s([]*(anzeige|werbung|advertisement|advertorial|publicidad|publicité|sponsored|gesponsert|reklama|pubblicità)(\s*[-–:,.)\]*]|\s*$)/iu;
/** A post's filing line: "This entry was posted in …", "Dieser Beitrag wurde … veröffentlicht", "Filed under". */
const POSTED_IN =
  /^(this (entry|post|article) was (posted|published|filed)|posted in\b|filed under\b|dieser (eintrag|beitrag|text|artikel) wurde .{0,60}veröffentlicht|veröffentlicht (in|unter)\b|publié dans\b|publicado en\b)/iu;
/** The comment section's own lines: how many there are, none yet, log in to write one, tell us in the comments. */
const COMMENT_PROMPT =
  /(eingeloggt|angemeldet|registriert|logged in|log in|sign in|iniciar sesión|connecté)\b.{0,60}(kommentar|comment|bewert)|(kommentar|comment)\p{L}*.{0,60}(eingeloggt|angemeldet|logged in|log in|sign in|registrier)|nicht (eingeloggt|angemeldet)|not logged in|^(keine|no|noch keine|aucun|sin) (kommentare|comments|commentaires?|comentarios)|^(\d+ )?kommentare? insgesamt|(verraten|schreiben) sie .{0,30}kommentar|leave (us )?a comment|let us know in the comments|in den kommentaren/iu;

function linkShare(s: TextStats | undefined): number {
  return s?.chars ? s.linkChars / s.chars : 0;
}

function textOf(el: Element): string {
  let out = "";
  const walk = (n: Element) => {
    for (const c of n.children)
      if (c.type === "text") out += c.data;
      else if (isElement(c) && c.type === "tag") walk(c);
  };
  walk(el);
  return out.replace(/\s+/g, " ").trim();
}

/** Removes section headings with the link block under them, labelled link lines, link-only paragraphs and date lines. */
export function dropBoilerplateLines(root: Element, stats: Map<Element, TextStats>): void {
  const walk = (el: Element) => {
    for (const child of elementChildren(el)) {
      if (!child.parent) continue;
      const s = stats.get(child);
      const len = s?.length ?? 0;
      if (len === 0 || len > 300) {
        walk(child);
        continue;
      }
      const text = textOf(child);
      if (HEADING.has(child.name) || child.name === "p") {
        const label = text.replace(/^[^\p{L}\p{N}]+/u, "");
        const match = len <= 60 ? SECTION_HEADING.exec(label) : null;
        // A paragraph is a heading only when the words are all it says ("See also: <link>" is a line), or
        // a few more words that end in a colon ("Read also the following posts:").
        const rest = match ? label.slice(match[0].length) : "";
        if (
          match &&
          (child.name !== "p" || /^[\s:.!?…»›>)-]*$/u.test(rest) || /^[^.!?]{0,30}:\s*$/u.test(rest))
        ) {
          let next = child.next;
          while (next && !isElement(next)) next = next.next;
          if (isElement(next) && LINK_BLOCK.has(next.name) && linkShare(stats.get(next)) > 0.5) {
            removeNode(next);
          }
          removeNode(child);
          continue;
        }
      }
      if (child.name === "p") {
        const ld = linkShare(s);
        if ((ld > 0.5 && LABELLED_LINK.test(text)) || (child.name === "p" && ld > 0.9)) {
          removeNode(child);
          continue;
        }
      }
      if (DATE_BLOCK.has(child.name) && len <= 150 && META_SEPARATOR.test(text) && HAS_DATE.test(text)) {
        removeNode(child);
        continue;
      }
      if (CREDIT_BLOCK.has(child.name) && len <= 250 && SUBSCRIBE.test(text)) {
        removeNode(child);
        continue;
      }
      if (
        CREDIT_BLOCK.has(child.name) &&
        len <= 250 &&
        (FOLLOW.test(text) ||
          COMMENT_PROMPT.test(text) ||
          POSTED_IN.test(text) ||
          (len <= 100 && AD_LABEL.test(text)))
      ) {
        removeNode(child);
        continue;
      }
      if (CREDIT_BLOCK.has(child.name) && len <= 200 && RIGHTS.test(text)) {
        removeNode(child);
        continue;
      }
      if (CREDIT_BLOCK.has(child.name) && len <= 100 && CREDIT_LINE.test(text)) {
        removeNode(child);
        continue;
      }
      if (DATE_BLOCK.has(child.name) && len <= 48 && DATE_ONLY.test(text)) {
        removeNode(child);
        continue;
      }
      walk(child);
    }
  };
  walk(root);
}
