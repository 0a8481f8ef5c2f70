/**
 * `metrics:` — the Prometheus listener (off when `null`) and the opt-in per-record state series
 * (docs/observability.md "Per-record state"): one series per record, labelled by AOR, contact and registrar, so an
 * alert can name the failing trunks; `max_records` caps the label cardinality.
 */
import { DEFAULT_METRICS_LISTEN } from "./config-defaults.js";
import { readListenAddress } from "./mi-section.js";
import { readBoolean, readInteger, readSection, refuseUnknownKeys, type YamlMapping } from "./yaml-mapping.js";

/** `metrics.per_record`: off by default; at most `max_records` records get a series. */
export interface PerRecordMetricsSection {
  enabled: boolean;
  max_records: number;
}

/** The `metrics:` section once validated; `null` in the configuration when turned off. */
export interface MetricsSection {
  listen: string;
  per_record: PerRecordMetricsSection;
}

/** Series per record are opt-in: a million records would be a million series. */
export const DEFAULT_PER_RECORD_METRICS: Readonly<PerRecordMetricsSection> = { enabled: false, max_records: 10_000 };

/** The largest `max_records` accepted: beyond it a scrape is megabytes and Prometheus suffers. */
export const MAX_PER_RECORD_SERIES = 1_000_000;

export function readMetrics(root: YamlMapping): MetricsSection | null {
  const m = readSection(root, "metrics");
  if (m === null) return null;
  const section = m ?? {};
  refuseUnknownKeys(section, ["listen", "per_record"], "metrics.");
  const p = readSection(section, "per_record", "metrics.") ?? {};
  refuseUnknownKeys(p, ["enabled", "max_records"], "metrics.per_record.");
  return {
    listen: readListenAddress(section, "listen", "metrics.", DEFAULT_METRICS_LISTEN),
    per_record: {
      enabled: readBoolean(p, "enabled", "metrics.per_record.", DEFAULT_PER_RECORD_METRICS.enabled),
      max_records: readInteger(p, "max_records", "metrics.per_record.", DEFAULT_PER_RECORD_METRICS.max_records, (n) =>
        n >= 1 && n <= MAX_PER_RECORD_SERIES ? undefined : `must be an integer in 1..${MAX_PER_RECORD_SERIES}`,
      ),
    },
  };
}
