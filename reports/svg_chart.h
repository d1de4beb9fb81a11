// The drawings of the HTML report, as inline SVG: a timeline of faults and
// per-replica commits, and line charts over time.
//
// Plain SVG elements and <title> tooltips only: no script, no stylesheet, no
// external reference, so the report renders the same offline, in a CI
// artifact viewer or years later. All text is escaped. Each function is pure
// and returns one <svg> element.
#ifndef TURNCOAT_REPORTS_SVG_CHART_H_
#define TURNCOAT_REPORTS_SVG_CHART_H_

#include <optional>
#include <string>
#include <vector>

namespace turncoat {

// A shaded interval of time, in seconds, with a tooltip.
struct ChartBand {
  double start = 0;
  double end = 0;
  std::string label;
  std::vector<int> rows;  // timeline rows covered; empty: all rows
};

// A point on the timeline (a process exit, a finding's evidence).
struct ChartMark {
  double t = 0;
  int row = 0;
  bool severe = false;  // drawn red: evidence of a violation
  std::string label;
};

struct TimelineRow {
  std::string label;
  bool highlighted = false;    // a Byzantine replica
  std::vector<double> counts;  // commits per bucket
};

// Rows of commit density (one shaded cell per bucket, darker for more
// commits) under the fault bands, with marks on top.
std::string TimelineSvg(const std::vector<TimelineRow>& rows, double bucket_seconds,
                        double length_seconds, const std::vector<ChartBand>& bands,
                        const std::vector<ChartMark>& marks);

struct ChartLine {
  std::string label;
  std::vector<std::optional<double>> values;  // one per bucket; nullopt: a gap
};

// One polyline per line over bucket midpoints, fault bands behind them, a y
// axis from 0 labelled in `unit`.
std::string LineChartSvg(const std::string& title, const std::string& unit,
                         const std::vector<ChartLine>& lines, double bucket_seconds,
                         double length_seconds, const std::vector<ChartBand>& bands);

}  // namespace turncoat

#endif  // TURNCOAT_REPORTS_SVG_CHART_H_
