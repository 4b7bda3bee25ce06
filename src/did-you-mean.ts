/**
 * "Did you mean …?" for a mistyped name: the known name with the same letters in another case,
 * or one or two edits away. Pure.
 */

/** The known name a typo most likely meant: same letters in another case, or 1-2 edits away. */
export function closestName(key: string, known: ReadonlySet<string>): string | undefined {
  if (key.length > 40) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    const distance = name.toLowerCase() === key.toLowerCase() ? 0 : editDistance(name, key);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]!;
}
