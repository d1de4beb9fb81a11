#include "reports/svg_chart.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "reports/xml_text.h"

namespace turncoat {
namespace {

constexpr double kWidth = 960;
constexpr double kLeft = 120;  // room for row labels and y ticks
constexpr double kRight = 20;
constexpr double kTop = 24;
constexpr double kBottom = 28;  // room for x tick labels
constexpr double kRowHeight = 22;
constexpr double kChartHeight = 220;
constexpr size_t kMaxLegend = 7;

// Distinguishable on white and for the common colour-vision deficiencies
// (Okabe & Ito's palette).
constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                    "#56B4E9", "#D55E00", "#F0E442", "#000000"};
constexpr const char* kFaultFill = "#E69F00";
constexpr const char* kSevere = "#C0392B";

std::string Color(size_t i) { return kPalette[i % (sizeof(kPalette) / sizeof(kPalette[0]))]; }

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

// A step of 1, 2 or 5 times a power of ten giving about `target` ticks.
double NiceStep(double range, int target) {
  if (range <= 0) return 1;
  const double raw = range / target;
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

std::string SecondsLabel(double s) {
  return std::fabs(s - std::round(s)) < 1e-9 ? absl::StrCat(std::lround(s), "s")
                                             : absl::StrFormat("%.1fs", s);
}

// Pixel mapping of the time axis.
struct TimeAxis {
  double length;
  double X(double t) const {
    return kLeft + (length > 0 ? std::clamp(t / length, 0.0, 1.0) : 0) * (kWidth - kLeft - kRight);
  }
};

std::string OpenSvg(double height, const std::string& label) {
  return absl::StrCat("<svg class=\"chart\" viewBox=\"0 0 ", Num(kWidth), " ", Num(height),
                      "\" width=\"", Num(kWidth), "\" height=\"", Num(height),
                      "\" role=\"img\" aria-label=\"", XmlEscape(label), "\">");
}

std::string XTicks(const TimeAxis& axis, double y_top, double y_bottom) {
  std::string out;
  const double step = NiceStep(axis.length, 10);
  for (double t = 0; t <= axis.length + 1e-9; t += step) {
    const double x = axis.X(t);
    absl::StrAppend(&out, "<line x1=\"", Num(x), "\" y1=\"", Num(y_top), "\" x2=\"", Num(x),
                    "\" y2=\"", Num(y_bottom), "\" stroke=\"#ddd\"/>", "<text x=\"", Num(x),
                    "\" y=\"", Num(y_bottom + 16), "\" text-anchor=\"middle\">", SecondsLabel(t),
                    "</text>");
  }
  return out;
}

std::string Band(const TimeAxis& axis, const ChartBand& band, double y, double height) {
  const double x0 = axis.X(band.start);
  const double w = std::max(1.0, axis.X(band.end) - x0);
  return absl::StrCat("<rect class=\"fault\" x=\"", Num(x0), "\" y=\"", Num(y), "\" width=\"",
                      Num(w), "\" height=\"", Num(height), "\" fill=\"", kFaultFill,
                      "\" fill-opacity=\"0.25\" stroke=\"", kFaultFill, "\"><title>",
                      XmlEscape(band.label), "</title></rect>");
}

}  // namespace

std::string TimelineSvg(const std::vector<TimelineRow>& rows, double bucket_seconds,
                        double length_seconds, const std::vector<ChartBand>& bands,
                        const std::vector<ChartMark>& marks) {
  const TimeAxis axis{length_seconds};
  const double plot_height = kRowHeight * static_cast<double>(rows.size());
  const double height = kTop + plot_height + kBottom;
  std::string out = OpenSvg(height, "timeline of faults and commits per replica");
  absl::StrAppend(&out, XTicks(axis, kTop, kTop + plot_height));

  double max_count = 0;
  for (const TimelineRow& row : rows) {
    for (double c : row.counts) max_count = std::max(max_count, c);
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    const double y = kTop + kRowHeight * static_cast<double>(r);
    absl::StrAppend(&out, "<text x=\"", Num(kLeft - 8), "\" y=\"", Num(y + kRowHeight * 0.7),
                    "\" text-anchor=\"end\"", rows[r].highlighted ? " font-weight=\"bold\"" : "",
                    ">", XmlEscape(rows[r].label), "</text>");
    if (rows[r].highlighted) {
      absl::StrAppend(&out, "<rect x=\"", Num(kLeft), "\" y=\"", Num(y), "\" width=\"",
                      Num(kWidth - kLeft - kRight), "\" height=\"", Num(kRowHeight), "\" fill=\"",
                      kSevere, "\" fill-opacity=\"0.06\"/>");
    }
    for (size_t b = 0; b < rows[r].counts.size(); ++b) {
      const double count = rows[r].counts[b];
      if (count <= 0) continue;
      const double t0 = bucket_seconds * static_cast<double>(b);
      const double x0 = axis.X(t0);
      const double w = std::max(1.0, axis.X(t0 + bucket_seconds) - x0);
      absl::StrAppend(
          &out, "<rect class=\"commits\" x=\"", Num(x0), "\" y=\"", Num(y + 4), "\" width=\"",
          Num(w), "\" height=\"", Num(kRowHeight - 8), "\" fill=\"", Color(r), "\" fill-opacity=\"",
          absl::StrFormat("%.2f", 0.15 + 0.85 * count / max_count), "\"><title>",
          XmlEscape(absl::StrCat(rows[r].label, ": ", count, " commits in ", SecondsLabel(t0), "..",
                                 SecondsLabel(t0 + bucket_seconds))),
          "</title></rect>");
    }
  }
  for (const ChartBand& band : bands) {
    if (band.rows.empty()) {
      absl::StrAppend(&out, Band(axis, band, kTop, plot_height));
      continue;
    }
    for (int r : band.rows) {
      absl::StrAppend(&out, Band(axis, band, kTop + kRowHeight * r + 1, kRowHeight - 2));
    }
  }
  for (const ChartMark& mark : marks) {
    const double x = axis.X(mark.t);
    const double y = kTop + kRowHeight * mark.row + kRowHeight / 2;
    absl::StrAppend(&out, "<circle class=\"", mark.severe ? "evidence" : "event", "\" cx=\"",
                    Num(x), "\" cy=\"", Num(y), "\" r=\"", mark.severe ? "5" : "4", "\" fill=\"",
                    mark.severe ? kSevere : "#fff", "\" stroke=\"", mark.severe ? "#fff" : kSevere,
                    "\" stroke-width=\"1.5\"><title>", XmlEscape(mark.label), "</title></circle>");
  }
  absl::StrAppend(&out, "</svg>");
  return out;
}

std::string LineChartSvg(const std::string& title, const std::string& unit,
                         const std::vector<ChartLine>& lines, double bucket_seconds,
                         double length_seconds, const std::vector<ChartBand>& bands) {
  const TimeAxis axis{length_seconds};
  const double plot_top = kTop;
  const double plot_bottom = kChartHeight - kBottom;
  std::string out = OpenSvg(kChartHeight, title);

  double max_value = 0;
  for (const ChartLine& line : lines) {
    for (const std::optional<double>& v : line.values) {
      if (v.has_value()) max_value = std::max(max_value, *v);
    }
  }
  const double y_step = NiceStep(max_value > 0 ? max_value : 1, 5);
  // One step of headroom above the highest point, so a flat line at the
  // maximum does not vanish into the frame.
  const double y_max = y_step * (std::floor(max_value / y_step) + 1);
  const auto y_of = [&](double v) { return plot_bottom - (v / y_max) * (plot_bottom - plot_top); };

  for (const ChartBand& band : bands) {
    absl::StrAppend(&out, Band(axis, band, plot_top, plot_bottom - plot_top));
  }
  absl::StrAppend(&out, XTicks(axis, plot_top, plot_bottom));
  for (double v = 0; v <= y_max + 1e-9; v += y_step) {
    const double y = y_of(v);
    absl::StrAppend(&out, "<line x1=\"", Num(kLeft), "\" y1=\"", Num(y), "\" x2=\"",
                    Num(kWidth - kRight), "\" y2=\"", Num(y), "\" stroke=\"#eee\"/>", "<text x=\"",
                    Num(kLeft - 6), "\" y=\"", Num(y + 4), "\" text-anchor=\"end\">",
                    absl::StrFormat("%g", v), "</text>");
  }
  absl::StrAppend(&out, "<text x=\"", Num(kLeft - 6), "\" y=\"", Num(plot_top - 8),
                  "\" text-anchor=\"end\">", XmlEscape(unit), "</text>");

  for (size_t i = 0; i < lines.size(); ++i) {
    // A gap in the data ends one polyline and starts the next.
    std::string points;
    const auto flush = [&] {
      if (!points.empty()) {
        absl::StrAppend(&out, "<polyline class=\"series\" fill=\"none\" stroke=\"", Color(i),
                        "\" stroke-width=\"1.5\" points=\"", points, "\"/>");
      }
      points.clear();
    };
    for (size_t b = 0; b < lines[i].values.size(); ++b) {
      if (!lines[i].values[b].has_value()) {
        flush();
        continue;
      }
      const double t = bucket_seconds * (static_cast<double>(b) + 0.5);
      absl::StrAppend(&points, points.empty() ? "" : " ", Num(axis.X(t)), ",",
                      Num(y_of(*lines[i].values[b])));
    }
    flush();
    // One legend row; past kMaxLegend lines colours repeat anyway, so say
    // how many more there are instead.
    const double legend_x = kLeft + 10 + 110 * static_cast<double>(std::min(i, kMaxLegend));
    if (i < kMaxLegend) {
      absl::StrAppend(&out, "<rect x=\"", Num(legend_x),
                      "\" y=\"4\" width=\"10\" "
                      "height=\"10\" fill=\"",
                      Color(i), "\"/><text x=\"", Num(legend_x + 14), "\" y=\"13\">",
                      XmlEscape(lines[i].label), "</text>");
    } else if (i == kMaxLegend) {
      absl::StrAppend(&out, "<text x=\"", Num(legend_x), "\" y=\"13\">+", lines.size() - i,
                      " more</text>");
    }
  }
  absl::StrAppend(&out, "</svg>");
  return out;
}

}  // namespace turncoat
