// The longest turn of the event loop while something runs: what an MI request arriving then could wait.
// `const turns = watchTurns();` before the work, `turns.stop()` after it: the longest gap between two turns, in ms.
export function watchTurns() {
  let longest = 0;
  let last = performance.now();
  let watching = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (watching) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop() {
      watching = false;
      return longest;
    },
  };
}
