/** Builds elements with text only: nothing a customer wrote is ever parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: (Node | string | null)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs))
    if (value !== undefined) node.setAttribute(name, value);
  for (const child of children)
    if (child !== null)
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

/** An http(s) URL as a string, or null: javascript:, data: and the like are never linked. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * An internal media link (…/media/<key>) through the console's proxy, which holds the token;
 * an agent's upload (…/public/<id>?exp&sig) through the same proxy, from the page's origin.
 */
export function mediaUrl(
  url: string | null,
  proxyMedia: boolean,
  agentUpload = false,
): string | null {
  const safe = safeUrl(url);
  if (!safe || !proxyMedia) return safe;
  const parsed = new URL(safe);
  const key = /\/media\/([A-Za-z0-9._-]+)$/.exec(parsed.pathname)?.[1];
  if (key) return `/media/${key}`;
  const id = agentUpload ? /\/public\/([A-Za-z0-9._-]+)$/.exec(parsed.pathname)?.[1] : undefined;
  return id ? `/public/${id}${parsed.search}` : safe;
}
