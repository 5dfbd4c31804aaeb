/**
 * The statistics the A/B scripts (front-ab, node-ab, proxy-ab, intercept-ab) report their paired
 * ratios with: a median and its interquartile range, interpolated between ranks.
 */

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low]! + (sorted[Math.min(low + 1, sorted.length - 1)]! - sorted[low]!) * (at - low);
}

export const median = (values: number[]): number => quantile(values, 0.5);

/** `0.958 (0.88–1.03)`: the median and the interquartile range. */
export const spread = (values: number[]): string => `${median(values).toFixed(3)} (${quantile(values, 0.25).toFixed(2)}–${quantile(values, 0.75).toFixed(2)})`;

/** `0.958 (IQR 0.880–1.030, min …, max …)`: with the extremes, for few pairs. */
export const spreadWithExtremes = (values: number[]): string =>
  `${median(values).toFixed(3)} (IQR ${quantile(values, 0.25).toFixed(3)}–${quantile(values, 0.75).toFixed(3)}, min ${Math.min(...values).toFixed(3)}, max ${Math.max(...values).toFixed(3)})`;
