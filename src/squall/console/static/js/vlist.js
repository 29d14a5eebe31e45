// A windowed list: only the rows in view (plus a margin) exist in the DOM, so 10,000+ rows stay fast.

export class VirtualList {
  constructor(container, { rowHeight = 30, render, onSelect, header = null, width = null }) {
    this.container = container;
    this.container.classList.add("vlist");
    this.rowHeight = rowHeight;
    this.render = render;
    this.onSelect = onSelect;
    this.items = [];
    this.selected = null;
    this.header = header;
    if (header) this.container.append(header);
    this.spacer = document.createElement("div");
    this.spacer.className = "spacer";
    if (width) this.spacer.style.width = `${width}px`;
    this.container.append(this.spacer);
    this.frame = null;
    this.container.addEventListener("scroll", () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(this.container);
  }

  setItems(items, { keepScroll = true } = {}) {
    this.items = items;
    if (!keepScroll) this.container.scrollTop = 0;
    this.spacer.style.height = `${items.length * this.rowHeight}px`;
    this.draw();
  }

  atBottom() {
    const c = this.container;
    return c.scrollHeight - c.scrollTop - c.clientHeight < this.rowHeight * 2;
  }

  scrollToBottom() { this.container.scrollTop = this.container.scrollHeight; this.draw(); }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = null; this.draw(); });
  }

  draw() {
    const height = this.container.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.container.scrollTop / this.rowHeight) - 10);
    const last = Math.min(this.items.length, Math.ceil((this.container.scrollTop + height) / this.rowHeight) + 10);
    const rows = [];
    for (let index = first; index < last; index++) {
      const item = this.items[index];
      const row = this.render(item, index);
      row.classList.add("vrow");
      row.style.top = `${index * this.rowHeight}px`;
      if (this.selected !== null && this.selected === item) row.classList.add("selected");
      if (this.onSelect) row.addEventListener("click", () => { this.selected = item; this.onSelect(item); this.draw(); });
      rows.push(row);
    }
    this.spacer.replaceChildren(...rows);
  }
}
