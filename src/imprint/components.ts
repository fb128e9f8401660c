import type { Box } from './types.js';

/** One 8-connected blob of a binary mask. */
export interface Component {
  label: number;
  area: number;
  box: Box;
}

/**
 * Labels the 8-connected components of `mask` (non-zero = set). Returns the label image
 * (0 = background, components numbered from 1) and the components in label order.
 */
export function labelComponents(mask: Uint8Array, width: number, height: number): { labels: Int32Array; components: Component[] } {
  const labels = new Int32Array(width * height);
  const components: Component[] = [];
  const stack = new Int32Array(width * height);
  let next = 1;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const label = next++;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    let area = 0;
    let x0 = width, y0 = height, x1 = 0, y1 = 0;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % width;
      const y = (p - x) / width;
      area++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (mask[q] && !labels[q]) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
    }
    components.push({ label, area, box: { x0, y0, x1: x1 + 1, y1: y1 + 1 } });
  }
  return { labels, components };
}

export const boxWidth = (b: Box) => b.x1 - b.x0;
export const boxHeight = (b: Box) => b.y1 - b.y0;
export const boxSize = (b: Box) => Math.max(b.x1 - b.x0, b.y1 - b.y0);
export const unionBox = (a: Box, b: Box): Box => ({
  x0: Math.min(a.x0, b.x0),
  y0: Math.min(a.y0, b.y0),
  x1: Math.max(a.x1, b.x1),
  y1: Math.max(a.y1, b.y1),
});

/** Gap between two boxes (0 when they touch or overlap). */
export function boxGap(a: Box, b: Box): number {
  const dx = Math.max(0, a.x0 - b.x1, b.x0 - a.x1);
  const dy = Math.max(0, a.y0 - b.y1, b.y0 - a.y1);
  return Math.max(dx, dy);
}

/** A group of components that lie together: one seal's border, characters and star. */
export interface ComponentGroup {
  area: number;
  box: Box;
  members: Component[];
}

/**
 * Groups components by single linkage: two join when the gap between their boxes is at most
 * `relativeGap` × the larger one's size. A seal's characters and star lie inside its border's box
 * (gap 0), so they join the border; a second seal a few millimetres away stays apart.
 */
export function groupComponents(components: Component[], relativeGap: number): ComponentGroup[] {
  const groups: ComponentGroup[] = components.map((c) => ({ area: c.area, box: { ...c.box }, members: [c] }));
  groups.sort((a, b) => b.area - a.area);
  // Passes of pairwise merging until nothing changes: O(n² · passes), so callers pass at most a few hundred.
  for (let merged = true; merged; ) {
    merged = false;
    for (let i = 0; i < groups.length; i++) {
      const a = groups[i]!;
      for (let j = i + 1; j < groups.length; ) {
        const b = groups[j]!;
        if (boxGap(a.box, b.box) <= relativeGap * Math.max(boxSize(a.box), boxSize(b.box))) {
          a.area += b.area;
          a.box = unionBox(a.box, b.box);
          a.members.push(...b.members);
          groups.splice(j, 1);
          merged = true;
        } else {
          j++;
        }
      }
    }
  }
  return groups.sort((a, b) => b.area - a.area);
}
