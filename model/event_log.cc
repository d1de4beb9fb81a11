#include "model/event_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "model/overloaded.h"
#include "model/value_text.h"
#include "nlohmann/json.hpp"

namespace turncoat {
namespace {

using nlohmann::json;

// Values are bytes; JSON strings are UTF-8. See value_text.h.
void PutValue(json& j, const std::string& value) {
  if (IsValidUtf8(value)) {
    j["value"] = value;
  } else {
    j["value_hex"] = HexEncode(value);
  }
}

absl::string_view DirectionName(MessageDirection d) {
  return d == MessageDirection::kRequest ? "request" : "response";
}

json Header(absl::string_view type, absl::Duration t) {
  json j;
  j["type"] = type;
  j["t_us"] = absl::ToInt64Microseconds(t);
  return j;
}

// Reads typed fields of one event object, remembering the first problem so
// that decoding reads as a list of fields rather than a ladder of checks.
class FieldReader {
 public:
  explicit FieldReader(const json& j) : j_(j) {}

  const absl::Status& status() const { return status_; }

  int64_t Int(const char* name) {
    const json* v = Find(name);
    if (v == nullptr) return 0;
    if (!v->is_number_integer()) {
      Fail(name, "an integer");
      return 0;
    }
    return v->get<int64_t>();
  }
  int SmallInt(const char* name) {
    const int64_t v = Int(name);
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
      Fail(name, "a 32-bit integer");
      return 0;
    }
    return static_cast<int>(v);
  }
  std::optional<int> OptionalInt(const char* name) {
    if (!j_.contains(name)) return std::nullopt;
    return SmallInt(name);
  }
  uint64_t Uint(const char* name) {
    const json* v = Find(name);
    if (v == nullptr) return 0;
    if (!v->is_number_unsigned()) {
      Fail(name, "a non-negative integer");
      return 0;
    }
    return v->get<uint64_t>();
  }
  double Double(const char* name) {
    const json* v = Find(name);
    if (v == nullptr) return 0;
    if (!v->is_number()) {
      Fail(name, "a number");
      return 0;
    }
    return v->get<double>();
  }
  std::optional<int64_t> OptionalInt64(const char* name) {
    if (!j_.contains(name)) return std::nullopt;
    return Int(name);
  }
  bool Bool(const char* name) {
    const json* v = Find(name);
    if (v == nullptr) return false;
    if (!v->is_boolean()) {
      Fail(name, "true or false");
      return false;
    }
    return v->get<bool>();
  }
  std::string String(const char* name) {
    const json* v = Find(name);
    if (v == nullptr) return "";
    if (!v->is_string()) {
      Fail(name, "a string");
      return "";
    }
    return v->get<std::string>();
  }
  std::string OptionalString(const char* name) {
    return j_.contains(name) ? String(name) : std::string();
  }
  std::string Value() {
    if (j_.contains("value")) return String("value");
    if (!j_.contains("value_hex")) {
      Fail("value", "a string (or value_hex)");
      return "";
    }
    std::optional<std::string> bytes = HexDecode(String("value_hex"));
    if (!bytes.has_value()) {
      Fail("value_hex", "an even number of hex digits");
      return "";
    }
    return *bytes;
  }
  std::vector<int> IntList(const char* name) {
    std::vector<int> out;
    const json* v = Find(name);
    if (v == nullptr) return out;
    if (!v->is_array()) {
      Fail(name, "a list of integers");
      return out;
    }
    for (const json& e : *v) {
      if (!e.is_number_integer()) {
        Fail(name, "a list of integers");
        return out;
      }
      out.push_back(e.get<int>());
    }
    return out;
  }
  std::map<std::string, int64_t> Counters(const char* name) {
    std::map<std::string, int64_t> out;
    const json* v = Find(name);
    if (v == nullptr) return out;
    if (!v->is_object()) {
      Fail(name, "an object of integer counters");
      return out;
    }
    for (const auto& [key, count] : v->items()) {
      if (!count.is_number_integer()) {
        Fail(name, "an object of integer counters");
        return out;
      }
      out[key] = count.get<int64_t>();
    }
    return out;
  }
  // {"kind": {"frames": n, "bytes": m}, ...}
  std::map<std::string, LinkTraffic::Count> KindCounts(const char* name) {
    std::map<std::string, LinkTraffic::Count> out;
    const json* v = Find(name);
    if (v == nullptr) return out;
    const auto count_of = [](const json& c, const char* field) -> const json* {
      auto it = c.find(field);
      return it != c.end() && it->is_number_integer() ? &*it : nullptr;
    };
    if (!v->is_object()) {
      Fail(name, "an object of {frames, bytes} per kind");
      return out;
    }
    for (const auto& [kind, c] : v->items()) {
      const json* frames = c.is_object() ? count_of(c, "frames") : nullptr;
      const json* bytes = c.is_object() ? count_of(c, "bytes") : nullptr;
      if (frames == nullptr || bytes == nullptr) {
        Fail(name, "an object of {frames, bytes} per kind");
        return out;
      }
      out[kind] = {frames->get<int64_t>(), bytes->get<int64_t>()};
    }
    return out;
  }

 private:
  const json* Find(const char* name) {
    auto it = j_.find(name);
    if (it == j_.end()) {
      if (status_.ok()) status_ = absl::InvalidArgumentError(absl::StrCat("missing '", name, "'"));
      return nullptr;
    }
    return &*it;
  }
  void Fail(const char* name, absl::string_view expected) {
    if (status_.ok()) {
      status_ = absl::InvalidArgumentError(absl::StrCat("'", name, "' is not ", expected));
    }
  }

  const json& j_;
  absl::Status status_;
};

}  // namespace

std::string EventToJson(const Event& event) {
  json j = std::visit(Overloaded{
                          [](const RunStart& e) {
                            json j = Header("run_start", e.t);
                            j["wall_time"] = e.wall_time;
                            return j;
                          },
                          [](const ClusterReady& e) { return Header("cluster_ready", e.t); },
                          [](const Calibration& e) {
                            json j = Header("calibration", e.t);
                            j["commit_rate"] = e.commit_rate;
                            j["latency_p50_us"] = absl::ToInt64Microseconds(e.latency_p50);
                            j["latency_p99_us"] = absl::ToInt64Microseconds(e.latency_p99);
                            j["rate"] = e.rate;
                            if (e.commit_within.has_value()) {
                              j["commit_within_us"] = absl::ToInt64Microseconds(*e.commit_within);
                            }
                            return j;
                          },
                          [](const RunEnd& e) { return Header("run_end", e.t); },
                          [](const Submit& e) {
                            json j = Header("submit", e.t);
                            j["client"] = e.client;
                            j["replica"] = e.replica;
                            PutValue(j, e.value);
                            return j;
                          },
                          [](const Ack& e) {
                            json j = Header("ack", e.t);
                            j["client"] = e.client;
                            j["replica"] = e.replica;
                            PutValue(j, e.value);
                            j["accepted"] = e.accepted;
                            if (!e.error.empty()) j["error"] = e.error;
                            return j;
                          },
                          [](const Commit& e) {
                            json j = Header("commit", e.t);
                            j["replica"] = e.replica;
                            j["seq"] = e.seq;
                            PutValue(j, e.value);
                            return j;
                          },
                          [](const FaultStart& e) {
                            json j = Header("fault_start", e.t);
                            j["phase"] = e.phase;
                            j["adversary"] = e.adversary;
                            j["nodes"] = e.nodes;
                            return j;
                          },
                          [](const FaultEnd& e) {
                            json j = Header("fault_end", e.t);
                            j["phase"] = e.phase;
                            return j;
                          },
                          [](const FaultStep& e) {
                            json j = Header("fault_step", e.t);
                            j["phase"] = e.phase;
                            j["what"] = e.what;
                            j["nodes"] = e.nodes;
                            return j;
                          },
                          [](const ProcessStart& e) {
                            json j = Header("process_start", e.t);
                            j["replica"] = e.replica;
                            j["pid"] = e.pid;
                            return j;
                          },
                          [](const ProcessExit& e) {
                            json j = Header("process_exit", e.t);
                            j["replica"] = e.replica;
                            j["requested"] = e.requested;
                            if (e.exit_code.has_value()) j["exit_code"] = *e.exit_code;
                            if (e.signal.has_value()) j["signal"] = *e.signal;
                            if (!e.detail.empty()) j["detail"] = e.detail;
                            return j;
                          },
                          [](const LinkStats& e) {
                            json j = Header("link_stats", e.t);
                            j["from"] = e.from;
                            j["to"] = e.to;
                            j["counters"] = e.counters;
                            return j;
                          },
                          [](const LinkTraffic& e) {
                            json j = Header("link_traffic", e.t);
                            j["from"] = e.from;
                            j["to"] = e.to;
                            json kinds = json::object();
                            for (const auto& [kind, count] : e.kinds) {
                              kinds[kind] = {{"frames", count.frames}, {"bytes", count.bytes}};
                            }
                            j["kinds"] = std::move(kinds);
                            j["unparsed_bytes"] = e.unparsed_bytes;
                            j["connections"] = e.connections;
                            j["refused"] = e.refused;
                            // Absent when 0, as in histories older than them.
                            if (e.malformed_connections != 0) {
                              j["malformed_connections"] = e.malformed_connections;
                            }
                            if (e.oversized_messages != 0) {
                              j["oversized_messages"] = e.oversized_messages;
                            }
                            return j;
                          },
                          [](const TraceStart& e) {
                            json j = Header("trace_start", e.t);
                            j["sample_every"] = e.sample_every;
                            return j;
                          },
                          [](const MessageFate& e) {
                            json j = Header("message", e.t);
                            j["from"] = e.from;
                            j["to"] = e.to;
                            j["method"] = e.method;
                            j["direction"] = DirectionName(e.direction);
                            j["bytes"] = e.bytes;
                            j["action"] = e.action;
                            if (!e.rule.empty()) j["rule"] = e.rule;
                            return j;
                          },
                      },
                      event);
  // Free text (errors, stderr tails) may hold invalid UTF-8; showing U+FFFD
  // there beats losing the event. Values never take this path.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<Event> EventFromJson(absl::string_view line) {
  const json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  FieldReader r(j);
  const std::string type = r.String("type");
  const absl::Duration t = absl::Microseconds(r.Int("t_us"));
  if (!r.status().ok()) return r.status();
  Event event;
  if (type == "run_start") {
    event = RunStart{t, r.String("wall_time")};
  } else if (type == "cluster_ready") {
    event = ClusterReady{t};
  } else if (type == "calibration") {
    Calibration e;
    e.t = t;
    e.commit_rate = r.Double("commit_rate");
    e.latency_p50 = absl::Microseconds(r.Int("latency_p50_us"));
    e.latency_p99 = absl::Microseconds(r.Int("latency_p99_us"));
    e.rate = r.Double("rate");
    if (std::optional<int64_t> within = r.OptionalInt64("commit_within_us")) {
      e.commit_within = absl::Microseconds(*within);
    }
    event = e;
  } else if (type == "run_end") {
    event = RunEnd{t};
  } else if (type == "submit") {
    Submit e;
    e.t = t;
    e.client = r.SmallInt("client");
    e.replica = r.SmallInt("replica");
    e.value = r.Value();
    event = std::move(e);
  } else if (type == "ack") {
    Ack e;
    e.t = t;
    e.client = r.SmallInt("client");
    e.replica = r.SmallInt("replica");
    e.value = r.Value();
    e.accepted = r.Bool("accepted");
    e.error = r.OptionalString("error");
    event = std::move(e);
  } else if (type == "commit") {
    Commit e;
    e.t = t;
    e.replica = r.SmallInt("replica");
    e.seq = r.Uint("seq");
    e.value = r.Value();
    event = std::move(e);
  } else if (type == "fault_start") {
    FaultStart e;
    e.t = t;
    e.phase = r.SmallInt("phase");
    e.adversary = r.String("adversary");
    e.nodes = r.IntList("nodes");
    event = std::move(e);
  } else if (type == "fault_end") {
    event = FaultEnd{t, r.SmallInt("phase")};
  } else if (type == "fault_step") {
    FaultStep e;
    e.t = t;
    e.phase = r.SmallInt("phase");
    e.what = r.String("what");
    e.nodes = r.IntList("nodes");
    event = std::move(e);
  } else if (type == "process_start") {
    ProcessStart e;
    e.t = t;
    e.replica = r.SmallInt("replica");
    e.pid = r.SmallInt("pid");
    event = e;
  } else if (type == "process_exit") {
    ProcessExit e;
    e.t = t;
    e.replica = r.SmallInt("replica");
    e.requested = r.Bool("requested");
    e.exit_code = r.OptionalInt("exit_code");
    e.signal = r.OptionalInt("signal");
    e.detail = r.OptionalString("detail");
    event = std::move(e);
  } else if (type == "link_stats") {
    LinkStats e;
    e.t = t;
    e.from = r.SmallInt("from");
    e.to = r.SmallInt("to");
    e.counters = r.Counters("counters");
    event = std::move(e);
  } else if (type == "link_traffic") {
    LinkTraffic e;
    e.t = t;
    e.from = r.SmallInt("from");
    e.to = r.SmallInt("to");
    e.kinds = r.KindCounts("kinds");
    e.unparsed_bytes = r.Int("unparsed_bytes");
    e.connections = r.Int("connections");
    e.refused = r.Int("refused");
    e.malformed_connections = r.OptionalInt64("malformed_connections").value_or(0);
    e.oversized_messages = r.OptionalInt64("oversized_messages").value_or(0);
    event = std::move(e);
  } else if (type == "trace_start") {
    const uint64_t every = r.Uint("sample_every");
    if (r.status().ok() && (every == 0 || every > std::numeric_limits<uint32_t>::max())) {
      return absl::InvalidArgumentError("'sample_every' is not an integer from 1 to 4294967295");
    }
    event = TraceStart{t, static_cast<uint32_t>(every)};
  } else if (type == "message") {
    MessageFate e;
    e.t = t;
    e.from = r.SmallInt("from");
    e.to = r.SmallInt("to");
    e.method = r.String("method");
    const std::string direction = r.String("direction");
    if (direction == DirectionName(MessageDirection::kResponse)) {
      e.direction = MessageDirection::kResponse;
    } else if (direction != DirectionName(MessageDirection::kRequest) && r.status().ok()) {
      return absl::InvalidArgumentError("'direction' is not \"request\" or \"response\"");
    }
    e.bytes = r.Uint("bytes");
    e.action = r.String("action");
    e.rule = r.OptionalString("rule");
    event = std::move(e);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown event type '", type, "'"));
  }
  if (!r.status().ok()) return r.status();
  return event;
}

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Create(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<EventLog>(new EventLog(path, fd));
}

EventLog::~EventLog() { ::close(fd_); }

absl::Status EventLog::Append(const Event& event) {
  const std::string line = EventToJson(event) + "\n";
  absl::MutexLock lock(&mu_);
  if (!error_.ok()) return error_;
  // The file only grows by whole lines, so where this one starts is its end.
  const off_t start = ::lseek(fd_, 0, SEEK_END);
  // One write(2) per line normally; the loop only matters for a short write.
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = absl::ResourceExhaustedError(
          absl::StrCat("cannot append to ", path_, ": ", std::strerror(errno)));
      if (done > 0 && start >= 0) (void)::ftruncate(fd_, start);
      return error_;
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<LoadedHistory> ReadEventLog(const std::string& path) {
  // Line by line, not the whole file at once: an hour's history is tens of
  // megabytes, and the controller reads it back while the run goes on.
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  LoadedHistory out;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    absl::StatusOr<Event> event = EventFromJson(line);
    if (!event.ok()) {
      // Without a newline it is the last line, whose write was cut off.
      if (in.eof()) {
        out.truncated_tail = true;
        break;
      }
      return absl::DataLossError(
          absl::StrCat(path, ":", number, ": bad event: ", event.status().message()));
    }
    out.history.Add(*std::move(event));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read failed"));
  return out;
}

}  // namespace turncoat
