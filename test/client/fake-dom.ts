/**
 * Just enough of a DOM for the screens (dom.ts's `h`, buttons, a Blob URL
 * download) to run under Node, recording everything, so tests can check
 * what became an element, an attribute or text. Markup parsing does not
 * exist here: `innerHTML`, `outerHTML`, `insertAdjacentHTML` and
 * `document.write` throw, so a screen that used them fails its test.
 */

export class FakeText {
  constructor(readonly data: string) {}
}

type FakeNode = FakeElement | FakeText;

function noMarkup(): never {
  throw new Error('markup parsing used');
}

export class FakeElement {
  readonly tagName: string;
  readonly attributes = new Map<string, string>();
  children: FakeNode[] = [];
  readonly listeners = new Map<string, (() => void)[]>();
  className = '';
  id = '';
  value = '';
  disabled = false;
  hidden = false;
  href = '';
  download = '';
  rel = '';
  max = 0;
  removed = false;
  focused = false;

  constructor(tag: string) {
    this.tagName = tag.toUpperCase();
  }

  get textContent(): string {
    return this.children.map((child) => (child instanceof FakeText ? child.data : child.textContent)).join('');
  }

  set textContent(text: string) {
    this.children = [new FakeText(text)];
  }

  set innerHTML(_html: string) {
    noMarkup();
  }

  set outerHTML(_html: string) {
    noMarkup();
  }

  insertAdjacentHTML(): void {
    noMarkup();
  }

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }

  hasAttribute(name: string): boolean {
    return this.attributes.has(name);
  }

  removeAttribute(name: string): void {
    this.attributes.delete(name);
  }

  append(...nodes: (FakeNode | string)[]): void {
    for (const node of nodes) this.children.push(typeof node === 'string' ? new FakeText(node) : node);
  }

  remove(): void {
    this.removed = true;
  }

  addEventListener(type: string, listener: () => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  click(): void {
    for (const listener of this.listeners.get('click') ?? []) listener();
  }

  focus(): void {
    this.focused = true;
  }

  /** This element and every element under it, depth first. */
  *walk(): Generator<FakeElement> {
    yield this;
    for (const child of this.children) if (child instanceof FakeElement) yield* child.walk();
  }

  /** Every text node under this element. */
  *texts(): Generator<string> {
    for (const child of this.children) {
      if (child instanceof FakeText) yield child.data;
      else yield* child.texts();
    }
  }
}

export class FakeDocument {
  readonly body = new FakeElement('body');
  readonly created: FakeElement[] = [];

  createElement(tag: string): FakeElement {
    const element = new FakeElement(tag);
    this.created.push(element);
    return element;
  }

  write(): void {
    noMarkup();
  }
}

/** Installs a fresh fake `document` as the global one; returns it. */
export function installFakeDocument(): FakeDocument {
  const fake = new FakeDocument();
  (globalThis as { document?: unknown }).document = fake;
  return fake;
}

export function removeFakeDocument(): void {
  delete (globalThis as { document?: unknown }).document;
}

/** The elements `screen` returned, seen as the fakes they are. */
export function asFakes(elements: readonly HTMLElement[]): FakeElement[] {
  return elements as unknown as FakeElement[];
}

/** Every element of a drawn screen. */
export function allElements(elements: readonly HTMLElement[]): FakeElement[] {
  return asFakes(elements).flatMap((element) => [...element.walk()]);
}

export function byId(elements: readonly HTMLElement[], id: string): FakeElement {
  const found = allElements(elements).find((element) => element.id === id);
  if (found === undefined) throw new Error(`no element #${id}`);
  return found;
}
