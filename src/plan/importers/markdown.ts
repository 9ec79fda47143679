/** One line of a Markdown file outside code fences, with its 1-based number. */
export interface MarkdownLine {
  number: number;
  text: string;
}

/** The lines of `text` that are not inside ``` or ~~~ fences (examples in fences are not tasks). */
export function linesOutsideFences(text: string): MarkdownLine[] {
  const lines: MarkdownLine[] = [];
  let fence: string | undefined;
  text.split(/\r?\n/).forEach((line, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker) {
      if (fence === undefined) fence = marker[0];
      else if (marker[0] === fence) fence = undefined;
      return;
    }
    if (fence === undefined) lines.push({ number: index + 1, text: line });
  });
  return lines;
}

/** The text of a `# ` heading at the given level, or `undefined`. */
export function headingText(line: string, level: number): string | undefined {
  const match = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
  return match && match[1]!.length === level ? match[2] : undefined;
}

/** Leading whitespace width, a tab counting as 4. */
export function indentOf(line: string): number {
  const lead = /^[ \t]*/.exec(line)![0];
  return lead.replace(/\t/g, '    ').length;
}
