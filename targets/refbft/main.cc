// refbft: turncoat's reference BFT replica, one process per replica.
//
//   refbft --id=0 --key=keys/0.key --pubkeys=keys [--bug=double-commit]
//          --peers=0=127.0.0.1:7000,1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003
//   refbft keygen --out=keys --n=4
//   refbft submit --to=127.0.0.1:7000 --value=hello
//
// Commits go to stdout as JSON lines, diagnostics to stderr. Exit status: 0
// after SIGTERM or SIGINT, 2 for a bad flag, 1 for any other failure.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/ed25519.h"
#include "targets/refbft/bugs.h"
#include "targets/refbft/node.h"
#include "targets/refbft/refbft.grpc.pb.h"

ABSL_FLAG(int, id, -1, "this replica's id, 0..n-1 (required)");
ABSL_FLAG(std::string, listen, "",
          "host:port to serve on; defaults to this replica's entry in --peers");
ABSL_FLAG(std::string, peers, "",
          "id=host:port for every replica, comma-separated; this replica's own "
          "entry may be left out. n is the number of distinct ids");
ABSL_FLAG(std::string, key, "", "this replica's Ed25519 private key (PEM file)");
ABSL_FLAG(std::string, pubkeys, "",
          "every replica's Ed25519 public key: a directory holding <id>.pub, or "
          "a comma-separated list of PEM files in id order");
ABSL_FLAG(int, f, -1, "faults tolerated; default (n-1)/3");
ABSL_FLAG(bool, allow_unsafe_f, false, "accept an --f with n < 3f+1");
// -1: scaled with n (refbft::DefaultPacemaker).
ABSL_FLAG(int, view_timeout_ms, -1,
          "first view timeout at each height; default 1000, times n/7 beyond n = 7");
ABSL_FLAG(int, max_view_timeout_ms, -1,
          "cap of the exponential view-timeout back-off; default 8000, times n/7 beyond n = 7");
ABSL_FLAG(int, idle_propose_ms, -1,
          "how long an idle leader waits before an empty block; default 100, times n/7 beyond "
          "n = 7");
ABSL_FLAG(int, max_batch, 256, "most values in one block");
ABSL_FLAG(std::string, bug, "",
          "planted bugs to switch on, comma-separated; may be repeated (see "
          "targets/refbft/bugs.h)");
ABSL_FLAG(std::string, out, "", "keygen: directory to write <id>.key and <id>.pub into");
ABSL_FLAG(int, n, 0, "keygen: number of key pairs");
ABSL_FLAG(std::string, to, "", "submit: host:port of the replica to submit to");
ABSL_FLAG(std::string, value, "", "submit: the value to submit");

namespace refbft {
namespace {

constexpr int kBadFlag = 2;

[[noreturn]] void FailFlag(absl::string_view flag, absl::string_view message) {
  std::fprintf(stderr, "refbft: --%.*s: %.*s\n", static_cast<int>(flag.size()), flag.data(),
               static_cast<int>(message.size()), message.data());
  std::exit(kBadFlag);
}

[[noreturn]] void Fail(absl::string_view message) {
  std::fprintf(stderr, "refbft: %.*s\n", static_cast<int>(message.size()), message.data());
  std::exit(1);
}

// absl::ParseCommandLine exits with status 1 on an unknown flag or a value
// that does not parse, and keeps only the last value of a repeated flag.
// refbft promises status 2 for every bad flag and accepts --bug more than
// once, so argv goes through the same flag registry here first. Returns every
// --bug value in order.
std::vector<std::string> CheckFlagSyntax(int argc, char** argv) {
  // Flags that absl's parser itself defines and handles.
  static const std::set<std::string> kBuiltin = {"help", "helpfull", "helpshort", "helppackage",
                                                 "version", "only_check_args"};
  static const std::set<std::string> kBuiltinWithValue = {"helpon", "helpmatch", "flagfile",
                                                          "fromenv", "tryfromenv", "undefok"};
  std::vector<std::string> bugs;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;
    arg.remove_prefix(arg[1] == '-' ? 2 : 1);
    const size_t eq = arg.find('=');
    const std::string name(arg.substr(0, eq));
    const bool has_value = eq != absl::string_view::npos;
    if (kBuiltin.count(name) > 0) continue;
    if (kBuiltinWithValue.count(name) > 0) {
      if (!has_value) ++i;
      continue;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) {
      absl::CommandLineFlag* negated =
          absl::StartsWith(name, "no") ? absl::FindCommandLineFlag(name.substr(2)) : nullptr;
      if (negated != nullptr && negated->IsOfType<bool>() && !has_value) continue;
      FailFlag(name, "unknown flag; see --help");
    }
    if (flag->IsOfType<bool>() && !has_value) continue;
    std::string value;
    if (has_value) {
      value = std::string(arg.substr(eq + 1));
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      FailFlag(name, "needs a value");
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      FailFlag(name, absl::StrCat(error, flag->IsOfType<int>()    ? "; expected an integer"
                                         : flag->IsOfType<bool>() ? "; expected true or false"
                                                                  : ""));
    }
    if (name == "bug") bugs.push_back(value);
  }
  return bugs;
}

bool IsHostPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  return colon != absl::string_view::npos && colon > 0 &&
         absl::SimpleAtoi(address.substr(colon + 1), &port) && port >= 0 && port <= 65535;
}

std::map<uint32_t, std::string> ParsePeers(absl::string_view spec) {
  std::map<uint32_t, std::string> peers;
  for (absl::string_view entry : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(entry, '=');
    uint32_t id = 0;
    if (!absl::SimpleAtoi(parts.first, &id) || !IsHostPort(parts.second)) {
      FailFlag("peers", absl::StrCat("'", entry, "' is not id=host:port"));
    }
    if (!peers.emplace(id, std::string(parts.second)).second) {
      FailFlag("peers", absl::StrCat("replica ", id, " is listed twice"));
    }
  }
  return peers;
}

std::vector<turncoat::Ed25519PublicKey> LoadPublicKeys(const std::string& spec, uint32_t n) {
  std::vector<std::string> paths;
  if (std::filesystem::is_directory(spec)) {
    for (uint32_t i = 0; i < n; ++i) paths.push_back(absl::StrCat(spec, "/", i, ".pub"));
  } else {
    paths = absl::StrSplit(spec, ',', absl::SkipWhitespace());
    if (paths.size() != n) {
      FailFlag("pubkeys", absl::StrCat("expected a directory or ", n, " comma-separated files (",
                                       "one per replica), got ", paths.size(), " entries"));
    }
  }
  std::vector<turncoat::Ed25519PublicKey> keys;
  for (const std::string& path : paths) {
    absl::StatusOr<turncoat::Ed25519PublicKey> key = turncoat::Ed25519PublicKey::LoadPemFile(path);
    if (!key.ok()) {
      FailFlag("pubkeys", absl::StrCat("cannot read public key ", path, ": ",
                                       key.status().message()));
    }
    keys.push_back(*std::move(key));
  }
  return keys;
}

int Keygen() {
  const std::string out = absl::GetFlag(FLAGS_out);
  const int n = absl::GetFlag(FLAGS_n);
  if (out.empty()) FailFlag("out", "required: the directory to write keys into");
  if (n < 1 || n > 1000) FailFlag("n", "expected a number of replicas in 1..1000");
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error) FailFlag("out", absl::StrCat("cannot create ", out, ": ", error.message()));
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<turncoat::Ed25519PrivateKey> key = turncoat::Ed25519PrivateKey::Generate();
    if (!key.ok()) Fail(key.status().ToString());
    if (absl::Status s = turncoat::WriteKeyPair(*key, out, absl::StrCat(i)); !s.ok()) {
      Fail(s.ToString());
    }
  }
  std::fprintf(stderr, "refbft: wrote %d key pairs to %s\n", n, out.c_str());
  return 0;
}

// Exit status 0 if the replica accepted the value, 1 if it refused it or
// could not be reached.
int Submit() {
  const std::string to = absl::GetFlag(FLAGS_to);
  if (!IsHostPort(to)) FailFlag("to", "required: host:port of a replica");
  auto stub = Client::NewStub(grpc::CreateChannel(to, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  SubmitRequest request;
  request.set_value(absl::GetFlag(FLAGS_value));
  SubmitReply reply;
  const grpc::Status status = stub->Submit(&context, request, &reply);
  if (!status.ok()) Fail(absl::StrCat("submit to ", to, ": ", status.error_message()));
  if (!reply.accepted()) Fail(absl::StrCat("refused: ", reply.error()));
  std::printf("accepted\n");
  return 0;
}

int RunReplica(const std::vector<std::string>& bug_flags) {
  if (!absl::GetFlag(FLAGS_out).empty()) FailFlag("out", "only for 'refbft keygen'");
  if (absl::GetFlag(FLAGS_n) != 0) FailFlag("n", "only for 'refbft keygen'; n comes from --peers");
  if (!absl::GetFlag(FLAGS_to).empty()) FailFlag("to", "only for 'refbft submit'");
  if (!absl::GetFlag(FLAGS_value).empty()) FailFlag("value", "only for 'refbft submit'");

  const int id = absl::GetFlag(FLAGS_id);
  if (id < 0) FailFlag("id", "required: this replica's id, 0..n-1");
  if (absl::GetFlag(FLAGS_peers).empty()) {
    FailFlag("peers", "required: id=host:port for every replica");
  }
  std::map<uint32_t, std::string> peers = ParsePeers(absl::GetFlag(FLAGS_peers));
  std::set<uint32_t> ids = {static_cast<uint32_t>(id)};
  for (const auto& [peer, address] : peers) ids.insert(peer);
  const uint32_t n = static_cast<uint32_t>(ids.size());
  if (static_cast<uint32_t>(id) >= n) {
    FailFlag("id", absl::StrCat(id, " is not in 0..", n - 1, " (n=", n,
                                ": this replica and the others in --peers)"));
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (ids.count(i) == 0) {
      FailFlag("peers", absl::StrCat("ids must be exactly 0..n-1; replica ", i, " is missing"));
    }
  }

  std::string listen = absl::GetFlag(FLAGS_listen);
  if (listen.empty()) {
    if (peers.count(id) == 0) {
      FailFlag("listen", "required when --peers has no entry for this replica");
    }
    listen = peers[id];
  }
  if (!IsHostPort(listen)) FailFlag("listen", absl::StrCat("'", listen, "' is not host:port"));

  int f = absl::GetFlag(FLAGS_f);
  if (f == -1) f = static_cast<int>((n - 1) / 3);
  if (f < 0 || static_cast<uint32_t>(f) >= n) {
    FailFlag("f", absl::StrCat("expected 0..", n - 1, " for n=", n));
  }
  if (n < 3 * static_cast<uint32_t>(f) + 1 && !absl::GetFlag(FLAGS_allow_unsafe_f)) {
    FailFlag("f", absl::StrCat(f, " is too large for n=", n, ": BFT needs n >= 3f+1, so f <= ",
                               (n - 1) / 3, " (or pass --allow_unsafe_f)"));
  }

  const PacemakerTimings timings = DefaultPacemaker(n);
  const auto flag_or = [](const absl::Flag<int>& flag, absl::Duration scaled) {
    const int ms = absl::GetFlag(flag);
    return ms == -1 ? absl::ToInt64Milliseconds(scaled) : ms;
  };
  const int64_t view_timeout_ms = flag_or(FLAGS_view_timeout_ms, timings.view_timeout);
  const int64_t max_view_timeout_ms =
      flag_or(FLAGS_max_view_timeout_ms,
              std::max(timings.max_view_timeout, absl::Milliseconds(view_timeout_ms)));
  const int64_t idle_propose_ms = flag_or(FLAGS_idle_propose_ms, timings.idle_propose_delay);
  if (view_timeout_ms < 1) FailFlag("view_timeout_ms", "expected a positive number of ms");
  if (max_view_timeout_ms < view_timeout_ms) {
    FailFlag("max_view_timeout_ms", "expected at least --view_timeout_ms");
  }
  if (idle_propose_ms < 0) FailFlag("idle_propose_ms", "expected a non-negative number of ms");
  if (absl::GetFlag(FLAGS_max_batch) < 1) FailFlag("max_batch", "expected at least 1");

  absl::StatusOr<BugSet> bugs = BugSet::Parse(absl::StrJoin(bug_flags, ","));
  if (!bugs.ok()) FailFlag("bug", bugs.status().message());

  const std::string key_path = absl::GetFlag(FLAGS_key);
  if (key_path.empty()) FailFlag("key", "required: this replica's private key file");
  absl::StatusOr<turncoat::Ed25519PrivateKey> key =
      turncoat::Ed25519PrivateKey::LoadPemFile(key_path);
  if (!key.ok()) {
    FailFlag("key", absl::StrCat("cannot read private key ", key_path, ": ",
                                 key.status().message()));
  }
  if (absl::GetFlag(FLAGS_pubkeys).empty()) {
    FailFlag("pubkeys", "required: a directory of <id>.pub files or a list of files");
  }
  std::vector<turncoat::Ed25519PublicKey> keys = LoadPublicKeys(absl::GetFlag(FLAGS_pubkeys), n);
  if (keys[id].Raw() != key->PublicKey().Raw()) {
    FailFlag("key", absl::StrCat(key_path, " does not match replica ", id,
                                 "'s public key in --pubkeys"));
  }

  ReplicaConfig config;
  config.id = static_cast<uint32_t>(id);
  config.n = n;
  config.f = static_cast<uint32_t>(f);
  config.view_timeout = absl::Milliseconds(view_timeout_ms);
  config.max_view_timeout = absl::Milliseconds(max_view_timeout_ms);
  config.idle_propose_delay = absl::Milliseconds(idle_propose_ms);
  config.max_batch = static_cast<size_t>(absl::GetFlag(FLAGS_max_batch));
  config.bugs = *bugs;

  NodeOptions options;
  options.listen = listen;
  peers.erase(id);
  options.peers = std::move(peers);

  // Blocked before any thread exists, so every thread inherits the mask and
  // the signals wait for sigwait below instead of killing the process.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<std::unique_ptr<Node>> node =
      Node::Start(config, *std::move(key), std::move(keys), std::move(options));
  if (!node.ok()) Fail(absl::StrCat("--listen: ", node.status().message()));
  std::fprintf(stderr, "refbft: replica %d of n=%u f=%d serving on %s (port %d), bugs: %s\n", id,
               n, f, listen.c_str(), (*node)->port(),
               bugs->empty() ? "none" : bugs->ToString().c_str());

  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "refbft: replica %d got signal %d, shutting down\n", id, received);
  (*node)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace refbft

int main(int argc, char** argv) {
  // Debian builds Abseil with mutex deadlock detection on, and gRPC's
  // mutexes fed its lock graph in a 31-replica start-up's profile
  // (bench/README.md, "Start-up, third round"). Set before any thread can
  // hold a mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "turncoat's reference BFT replica.\n"
      "  refbft --id=I --peers=0=HOST:PORT,... --key=FILE --pubkeys=DIR [flags]\n"
      "  refbft keygen --out=DIR --n=N\n"
      "  refbft submit --to=HOST:PORT --value=VALUE");
  const std::vector<std::string> bugs = refbft::CheckFlagSyntax(argc, argv);
  const std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string command = args.size() == 2 ? args[1] : "";
  if (command == "keygen") return refbft::Keygen();
  if (command == "submit") return refbft::Submit();
  if (args.size() > 1) {
    std::fprintf(stderr,
                 "refbft: unexpected argument '%s'; the subcommands are keygen and submit\n",
                 args[1]);
    return 2;
  }
  return refbft::RunReplica(bugs);
}
