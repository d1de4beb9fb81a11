// Strict reading of turncoat's YAML files (plans and targets).
//
// A YamlReader knows the file it reads, so every error it returns starts with
// "file:line:column:" and names the key path ("timeline[1].nodes") that is
// wrong, then says what was expected. YamlMap rejects unknown and repeated
// keys, which yaml-cpp itself accepts silently: a misspelt key must not turn
// into a silently ignored setting.
//
// Nothing here throws; yaml-cpp exceptions stop in Parse(). The reader is a
// value that only reads; use it from one thread at a time.
#ifndef TURNCOAT_LOADERS_YAML_READER_H_
#define TURNCOAT_LOADERS_YAML_READER_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "yaml-cpp/yaml.h"

namespace turncoat {

// One value in the document and where to blame it. For an empty value
// ("key:" followed by nothing) yaml-cpp marks the next line, so `mark` is the
// key's position instead.
struct YamlField {
  YAML::Node node;
  YAML::Mark mark;
  std::string path;  // "workload.rate", "timeline[0]", "" for the root
};

class YamlReader;

// A mapping whose keys were checked against the allowed set.
class YamlMap {
 public:
  // The value at `key`, if present.
  bool Has(absl::string_view key) const;
  YamlField Get(absl::string_view key) const;  // requires Has(key)
  // The value at `key`, or an error saying it is missing.
  absl::StatusOr<YamlField> Require(absl::string_view key) const;

  const YamlField& field() const { return field_; }

 private:
  friend class YamlReader;
  YamlMap(const YamlReader* reader, YamlField field) : reader_(reader), field_(std::move(field)) {}

  const YamlReader* reader_;
  YamlField field_;
  std::vector<std::pair<std::string, YamlField>> entries_;
};

class YamlReader {
 public:
  // Parses `text`; `file_name` prefixes every message.
  static absl::StatusOr<YamlReader> Parse(absl::string_view text, std::string file_name);

  YamlField root() const;

  // "file:line:col: path: message" as an InvalidArgument status.
  absl::Status Error(const YamlField& at, absl::string_view message) const;

  // Fails unless `at` is a mapping whose keys are all in `allowed`, each once.
  absl::StatusOr<YamlMap> Map(const YamlField& at, const std::vector<std::string>& allowed) const;
  // The elements of a sequence, with paths "path[i]".
  absl::StatusOr<std::vector<YamlField>> Sequence(const YamlField& at) const;

  // A scalar; an empty string is an error.
  absl::StatusOr<std::string> String(const YamlField& at) const;
  // `true` or `false`.
  absl::StatusOr<bool> Bool(const YamlField& at) const;
  // A decimal integer in [min, max].
  absl::StatusOr<int64_t> Int(const YamlField& at, int64_t min, int64_t max) const;
  absl::StatusOr<uint64_t> Uint64(const YamlField& at) const;
  // A finite decimal number in [min, max].
  absl::StatusOr<double> Number(const YamlField& at, double min, double max) const;
  // See quantities.h for the accepted forms.
  absl::StatusOr<absl::Duration> Duration(const YamlField& at) const;
  absl::StatusOr<double> Rate(const YamlField& at) const;
  absl::StatusOr<double> ByteRate(const YamlField& at) const;
  absl::StatusOr<std::vector<std::string>> StringList(const YamlField& at) const;
  // Integers in [min, max], no value twice.
  absl::StatusOr<std::vector<int>> DistinctIntList(const YamlField& at, int min, int max) const;

 private:
  YamlReader(YAML::Node root, std::string file_name)
      : root_(std::move(root)), file_name_(std::move(file_name)) {}
  absl::StatusOr<std::string> Scalar(const YamlField& at, absl::string_view expected) const;

  YAML::Node root_;
  std::string file_name_;
};

// Describes a node's kind for "got ..." in messages: "a mapping", "'abc'".
std::string DescribeYaml(const YAML::Node& node);

}  // namespace turncoat

#endif  // TURNCOAT_LOADERS_YAML_READER_H_
