// Feed documents for tests: RSS 2.0, Atom and RDF in their documented shapes, plus hostile XML.
export function rss2(items: Array<{ guid: string; title: string; html: string; date: Date }>): string {
  const entries = items
    .map(
      (i) => `<item><guid isPermaLink="false">${i.guid}</guid><title>${i.title}</title>
<link>https://blog.example.com/${i.guid}</link><pubDate>${i.date.toUTCString()}</pubDate>
<description><![CDATA[${i.html}]]></description></item>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Example blog</title><link>https://blog.example.com/</link>
<description>Posts</description>${entries}</channel></rss>`;
}

export const atom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom example</title><id>urn:uuid:feed</id><updated>2024-05-02T10:00:00Z</updated>
  <entry>
    <title>Atom entry one</title><id>urn:uuid:entry-1</id><link href="/posts/one"/>
    <updated>2024-05-01T09:00:00Z</updated><published>2024-05-01T09:00:00Z</published>
    <content type="html">&lt;p&gt;First &lt;b&gt;atom&lt;/b&gt; body about flywheels.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Atom entry two</title><id>urn:uuid:entry-2</id><link href="https://atom.example.com/posts/two"/>
    <updated>2024-05-02T09:00:00Z</updated>
    <summary>Second summary text.</summary>
  </entry>
</feed>`;

export const rdf = `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.com/"><title>RDF example</title><link>https://rdf.example.com/</link>
    <description>RSS 1.0</description></channel>
  <item rdf:about="https://rdf.example.com/a"><title>RDF item A</title><link>https://rdf.example.com/a</link>
    <description>Alpha text of the RDF item.</description><dc:date>2024-03-01T00:00:00Z</dc:date></item>
  <item rdf:about="https://rdf.example.com/b"><title>RDF item B</title><link>https://rdf.example.com/b</link>
    <description>Beta text.</description></item>
</rdf:RDF>`;

export const entityBomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss version="2.0"><channel><title>bomb</title><item><guid>1</guid><title>&lol9;</title></item></channel></rss>`;

export const externalEntity = `<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>xxe</title><item><guid>1</guid><title>&xxe;</title></item></channel></rss>`;
