#include "targets/tcpbft/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace tcpbft {
namespace {

using nlohmann::json;

// Reads the keys of one JSON object, so that errors name the file and key and
// a misspelt key is refused instead of ignored.
class Fields {
 public:
  Fields(std::string where, const json& object, std::set<std::string> allowed)
      : where_(std::move(where)), object_(object) {
    if (!object_.is_object()) {
      status_ = absl::InvalidArgumentError(absl::StrCat(where_, ": expected a JSON object"));
      return;
    }
    for (const auto& item : object_.items()) {
      if (allowed.count(item.key()) == 0) {
        Fail(item.key(), absl::StrCat("unknown key; expected one of: ", absl::StrJoin(allowed, ", ")));
      }
    }
  }

  std::string String(const std::string& key, bool required, const std::string& fallback = "") {
    if (!object_.contains(key)) {
      if (required) Fail(key, "missing");
      return fallback;
    }
    if (!object_[key].is_string()) Fail(key, "expected a string");
    return object_[key].is_string() ? object_[key].get<std::string>() : fallback;
  }

  int64_t Int(const std::string& key, int64_t fallback, int64_t min, int64_t max) {
    if (!object_.contains(key)) return fallback;
    const json& v = object_[key];
    if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max) {
      Fail(key, absl::StrCat("expected an integer from ", min, " to ", max));
      return fallback;
    }
    return v.get<int64_t>();
  }

  const json* Array(const std::string& key, bool required) {
    if (!object_.contains(key)) {
      if (required) Fail(key, "missing");
      return nullptr;
    }
    if (!object_[key].is_array()) {
      Fail(key, "expected a list");
      return nullptr;
    }
    return &object_[key];
  }

  void Fail(const std::string& key, const std::string& what) {
    if (status_.ok()) status_ = absl::InvalidArgumentError(absl::StrCat(where_, ": ", key, ": ", what));
  }
  template <typename T>
  T Check(const std::string& key, absl::StatusOr<T> value) {
    if (!value.ok()) {
      Fail(key, std::string(value.status().message()));
      return T{};
    }
    return *std::move(value);
  }
  const std::string& where() const { return where_; }
  absl::Status status() const { return status_; }
  void Absorb(const absl::Status& status) {
    if (status_.ok()) status_ = status;
  }

 private:
  std::string where_;
  const json& object_;
  absl::Status status_;
};

absl::StatusOr<json> ParseFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read config ", path));
  std::stringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not valid JSON"));
  }
  return doc;
}

// Optional wrappers so Fields::Check can default-construct its result.
absl::StatusOr<std::optional<VerifyKey>> VerifyHex(const std::string& hex) {
  absl::StatusOr<VerifyKey> key = VerifyKey::FromHex(hex);
  if (!key.ok()) return key.status();
  return std::optional<VerifyKey>(*key);
}

absl::StatusOr<std::optional<SignKey>> SignHex(const std::string& hex) {
  absl::StatusOr<SignKey> key = SignKey::FromHex(hex);
  if (!key.ok()) return key.status();
  return std::optional<SignKey>(*key);
}

absl::StatusOr<Config> Load(const std::string& path, bool replica) {
  absl::StatusOr<json> doc = ParseFile(path);
  if (!doc.ok()) return doc.status();
  std::set<std::string> allowed = {"id", "f", "private_key", "replicas"};
  if (replica) {
    allowed.insert({"listen", "clients", "bug", "view_change_timeout_ms", "checkpoint_interval"});
  } else {
    allowed.insert("deadline_ms");
  }
  Fields top(path, *doc, allowed);
  Config config;
  config.id = top.String("id", true);
  config.f = static_cast<int>(top.Int("f", -1, 0, 1000));
  if (config.f < 0) top.Fail("f", "missing");
  config.key = top.Check("private_key", SignHex(top.String("private_key", true)));
  if (const json* list = top.Array("replicas", true)) {
    for (size_t i = 0; i < list->size(); ++i) {
      Fields entry(absl::StrCat(path, ": replicas[", i, "]"), (*list)[i],
                   {"id", "address", "public_key"});
      std::string id = entry.String("id", true);
      std::string address = entry.String("address", true);
      entry.Check("address", SplitAddress(address));
      std::optional<VerifyKey> key = entry.Check("public_key", VerifyHex(entry.String("public_key", true)));
      top.Absorb(entry.status());
      if (!key) continue;
      if (config.IndexOf(id) >= 0) top.Fail("replicas", absl::StrCat("id '", id, "' appears twice"));
      config.replicas.push_back(ReplicaInfo{id, address, *key});
    }
  }
  if (replica) {
    config.listen = top.String("listen", true);
    top.Check("listen", SplitAddress(config.listen));
    config.index = config.IndexOf(config.id);
    if (top.status().ok() && config.index < 0) {
      top.Fail("id", absl::StrCat("'", config.id, "' is not among the replicas"));
    }
    if (const json* list = top.Array("clients", false)) {
      for (size_t i = 0; i < list->size(); ++i) {
        Fields entry(absl::StrCat(path, ": clients[", i, "]"), (*list)[i], {"id", "public_key"});
        std::string id = entry.String("id", true);
        std::optional<VerifyKey> key = entry.Check("public_key", VerifyHex(entry.String("public_key", true)));
        top.Absorb(entry.status());
        if (key) config.clients.emplace(id, *key);
      }
    }
    const std::string bug = top.String("bug", false, "none");
    if (bug == "small-quorum") {
      config.bug = Bug::kSmallQuorum;
    } else if (bug != "none") {
      top.Fail("bug", absl::StrCat("unknown bug '", bug, "'; expected none or small-quorum"));
    }
    config.view_change_timeout =
        absl::Milliseconds(top.Int("view_change_timeout_ms", 1000, 10, 600000));
    config.checkpoint_interval = static_cast<int>(top.Int("checkpoint_interval", 16, 1, 100000));
  } else {
    config.deadline = absl::Milliseconds(top.Int("deadline_ms", 10000, 1, 3600000));
  }
  if (top.status().ok() && config.n() < 3 * config.f + 1) {
    top.Fail("f", absl::StrCat("n = ", config.n(), " replicas tolerate no f = ", config.f,
                               "; list at least ", 3 * config.f + 1, " replicas or lower f"));
  }
  if (!top.status().ok()) return top.status();
  return config;
}

}  // namespace

int Config::IndexOf(const std::string& replica_id) const {
  for (size_t i = 0; i < replicas.size(); ++i) {
    if (replicas[i].id == replica_id) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<std::pair<std::string, int>> SplitAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1), &port) || port < 1 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", address, "' is not host:port (e.g. 127.0.0.1:7000)"));
  }
  return std::make_pair(address.substr(0, colon), port);
}

absl::StatusOr<Config> LoadReplicaConfig(const std::string& path) { return Load(path, true); }
absl::StatusOr<Config> LoadClientConfig(const std::string& path) { return Load(path, false); }

}  // namespace tcpbft
