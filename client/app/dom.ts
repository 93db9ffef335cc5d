/**
 * Building DOM nodes without HTML strings: text is always set as text, so
 * nothing a source types or a file name can become markup.
 */

type Child = Node | string | null | false | undefined;

export interface ElementOptions {
  readonly className?: string;
  readonly id?: string;
  readonly text?: string;
  /** Attributes, set with setAttribute (`aria-*`, `for`, `type`, ...). */
  readonly attrs?: Readonly<Record<string, string>>;
}

/** A new element with options and children (strings become text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.className !== undefined) element.className = options.className;
  if (options.id !== undefined) element.id = options.id;
  if (options.text !== undefined) element.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {})) element.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === false || child === undefined) continue;
    element.append(child);
  }
  return element;
}
