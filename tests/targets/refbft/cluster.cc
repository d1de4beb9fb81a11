#include "tests/targets/refbft/cluster.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/ports.h"
#include "common/subprocess.h"
#include "nlohmann/json.hpp"
#include "targets/refbft/refbft.grpc.pb.h"

namespace refbft {
namespace {

constexpr absl::Duration kPoll = absl::Milliseconds(20);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Tail(const std::string& text, size_t lines) {
  std::vector<absl::string_view> all = absl::StrSplit(text, '\n', absl::SkipEmpty());
  const size_t from = all.size() > lines ? all.size() - lines : 0;
  return absl::StrJoin(all.begin() + from, all.end(), "\n");
}

// The JSON parser hands back UTF-8; refbft writes one code point per value
// byte, all below U+0100, so each is one byte or a two-byte sequence.
absl::StatusOr<std::string> Latin1FromUtf8(absl::string_view utf8) {
  std::string bytes;
  for (size_t i = 0; i < utf8.size(); ++i) {
    const unsigned char c = utf8[i];
    if (c < 0x80) {
      bytes.push_back(static_cast<char>(c));
    } else if ((c == 0xc2 || c == 0xc3) && i + 1 < utf8.size()) {
      const unsigned char next = utf8[++i];
      bytes.push_back(static_cast<char>(((c & 0x03) << 6) | (next & 0x3f)));
    } else {
      return absl::InvalidArgumentError("value holds a code point above U+00FF");
    }
  }
  return bytes;
}

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace

std::string RefbftBinary() { return REFBFT_BINARY; }

absl::StatusOr<Commit> ParseCommitLine(absl::string_view line) {
  const nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("bad commit line (", why, "): ", line));
  };
  if (!json.is_object()) return bad("not a JSON object");
  Commit commit;
  for (auto [name, field] : {std::pair<const char*, uint64_t*>{"seq", &commit.seq},
                             {"height", &commit.height},
                             {"view", &commit.view}}) {
    if (!json.contains(name) || !json[name].is_number_unsigned()) return bad(name);
    *field = json[name].get<uint64_t>();
  }
  if (!json.contains("replica") || !json["replica"].is_number_unsigned()) return bad("replica");
  commit.replica = json["replica"].get<uint32_t>();
  if (!json.contains("value") || !json["value"].is_string()) return bad("value");
  absl::StatusOr<std::string> value = Latin1FromUtf8(json["value"].get<std::string>());
  if (!value.ok()) return bad(value.status().message());
  commit.value = *std::move(value);
  return commit;
}

absl::StatusOr<std::vector<Commit>> CommitLogReader::ReadNew() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return std::vector<Commit>();
  in.seekg(static_cast<std::streamoff>(offset_));
  std::ostringstream fresh;
  fresh << in.rdbuf();
  const std::string data = fresh.str();
  offset_ += data.size();
  partial_ += data;

  std::vector<Commit> commits;
  size_t start = 0;
  for (size_t end; (end = partial_.find('\n', start)) != std::string::npos; start = end + 1) {
    absl::string_view line(partial_.data() + start, end - start);
    if (line.empty()) continue;
    absl::StatusOr<Commit> commit = ParseCommitLine(line);
    if (!commit.ok()) return commit.status();
    commits.push_back(*std::move(commit));
  }
  partial_.erase(0, start);
  return commits;
}

struct LocalCluster::Member {
  int port = 0;
  std::vector<std::string> argv;
  int incarnation = 0;
  std::optional<turncoat::Subprocess> process;
  // Read by Submit() from client threads; written by the owning thread.
  std::atomic<bool> alive{false};
  std::unique_ptr<CommitLogReader> reader;
  std::vector<Commit> commits;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<Client::Stub> stub;
};

LocalCluster::LocalCluster(ClusterOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<LocalCluster>> LocalCluster::Start(ClusterOptions options) {
  if (options.n < 1) return absl::InvalidArgumentError("a cluster needs n >= 1");
  std::unique_ptr<LocalCluster> cluster(new LocalCluster(std::move(options)));
  if (absl::Status status = cluster->Init(); !status.ok()) return status;
  return cluster;
}

absl::Status LocalCluster::Init() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "refbft_cluster.XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  dir_ = tmpl;

  const std::string keys = absl::StrCat(dir_, "/keys");
  turncoat::SpawnOptions keygen_options;
  keygen_options.stderr_path = absl::StrCat(dir_, "/keygen.stderr");
  absl::StatusOr<turncoat::Subprocess> keygen = turncoat::Subprocess::Spawn(
      {RefbftBinary(), "keygen", absl::StrCat("--out=", keys), absl::StrCat("--n=", n())},
      keygen_options);
  if (!keygen.ok()) return keygen.status();
  absl::StatusOr<turncoat::ExitStatus> keygen_exit = keygen->Wait(absl::Seconds(30));
  if (!keygen_exit.ok()) return keygen_exit.status();
  if (!keygen_exit->success()) {
    return absl::InternalError(absl::StrCat("refbft keygen ", keygen_exit->ToString(), ": ",
                                            ReadFile(keygen_options.stderr_path)));
  }

  std::set<int> ports;
  for (int attempt = 0; static_cast<int>(ports.size()) < n() && attempt < 100 * n(); ++attempt) {
    absl::StatusOr<int> port = turncoat::PickFreePort();
    if (!port.ok()) return port.status();
    ports.insert(*port);
  }
  if (static_cast<int>(ports.size()) < n()) return absl::UnavailableError("no free ports");

  std::vector<std::string> peers;
  auto port = ports.begin();
  for (int i = 0; i < n(); ++i, ++port) {
    auto member = std::make_unique<Member>();
    member->port = *port;
    peers.push_back(absl::StrCat(i, "=127.0.0.1:", member->port));
    members_.push_back(std::move(member));
  }
  const std::string peers_flag = absl::StrCat("--peers=", absl::StrJoin(peers, ","));

  for (int i = 0; i < n(); ++i) {
    Member& member = *members_[i];
    member.argv = {RefbftBinary(),
                   absl::StrCat("--id=", i),
                   absl::StrCat("--listen=127.0.0.1:", member.port),
                   peers_flag,
                   absl::StrCat("--key=", keys, "/", i, ".key"),
                   absl::StrCat("--pubkeys=", keys),
                   absl::StrCat("--view_timeout_ms=", options_.view_timeout_ms)};
    member.argv.insert(member.argv.end(), options_.flags.begin(), options_.flags.end());

    grpc::ChannelArguments args;
    // A restarted replica should be reachable again at once.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    member.channel = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", member.port),
                                               grpc::InsecureChannelCredentials(), args);
    member.stub = Client::NewStub(member.channel);
  }
  for (int i = 0; i < n(); ++i) {
    if (absl::Status status = Spawn(i); !status.ok()) return status;
  }
  const absl::Time deadline = absl::Now() + options_.startup_timeout;
  for (int i = 0; i < n(); ++i) {
    if (absl::Status status = WaitUntilServing(i, deadline); !status.ok()) return status;
  }
  return absl::OkStatus();
}

LocalCluster::~LocalCluster() {
  // Signal everyone first so that the replicas shut down in parallel.
  for (auto& member : members_) {
    if (member->process.has_value() && member->process->running()) {
      (void)member->process->Signal(SIGTERM);
    }
  }
  for (auto& member : members_) {
    if (member->process.has_value() && member->process->running()) {
      if (!member->process->Wait(absl::Seconds(5)).ok()) (void)member->process->Kill();
    }
  }
  if (!dir_.empty() && std::getenv("TURNCOAT_KEEP_CLUSTER_DIR") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string LocalCluster::stdout_path(int replica) const {
  return absl::StrCat(dir_, "/replica-", replica, ".", members_[replica]->incarnation, ".stdout");
}

std::string LocalCluster::stderr_path(int replica) const {
  return absl::StrCat(dir_, "/replica-", replica, ".", members_[replica]->incarnation, ".stderr");
}

absl::Status LocalCluster::Spawn(int replica) {
  Member& member = *members_[replica];
  ++member.incarnation;
  turncoat::SpawnOptions options;
  options.stdout_path = stdout_path(replica);
  options.stderr_path = stderr_path(replica);
  absl::StatusOr<turncoat::Subprocess> process = turncoat::Subprocess::Spawn(member.argv, options);
  if (!process.ok()) return process.status();
  pids_.push_back(process->pid());
  member.process = *std::move(process);
  member.reader = std::make_unique<CommitLogReader>(options.stdout_path);
  member.commits.clear();
  member.alive = true;
  return absl::OkStatus();
}

absl::Status LocalCluster::WaitUntilServing(int replica, absl::Time deadline) {
  Member& member = *members_[replica];
  while (true) {
    absl::StatusOr<std::optional<turncoat::ExitStatus>> exit = member.process->TryWait();
    if (!exit.ok()) return exit.status();
    if (exit->has_value()) {
      member.alive = false;
      return absl::InternalError(absl::StrCat("replica ", replica, " ", (*exit)->ToString(),
                                              " during startup:\n",
                                              Tail(ReadFile(stderr_path(replica)), 10)));
    }
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("replica ", replica, " is not serving on port ", member.port));
    }
    if (member.channel->WaitForConnected(absl::ToChronoTime(std::min(now + kPoll * 5, deadline)))) {
      return absl::OkStatus();
    }
  }
}

absl::StatusOr<bool> LocalCluster::Submit(int replica, const std::string& value,
                                          absl::Duration timeout) {
  if (replica < 0 || replica >= n()) return absl::InvalidArgumentError("no such replica");
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  SubmitRequest request;
  request.set_value(value);
  SubmitReply reply;
  grpc::Status status = members_[replica]->stub->Submit(&context, request, &reply);
  if (!status.ok()) return FromGrpc(status);
  return reply.accepted();
}

absl::StatusOr<bool> LocalCluster::Submit(const std::string& value) {
  for (int attempt = 0; attempt < n(); ++attempt) {
    const int replica = static_cast<int>(next_replica_++ % static_cast<uint64_t>(n()));
    if (members_[replica]->alive) return Submit(replica, value);
  }
  return absl::FailedPreconditionError("no replica is running");
}

absl::StatusOr<std::vector<Commit>> LocalCluster::Commits(int replica) {
  Member& member = *members_[replica];
  absl::StatusOr<std::vector<Commit>> fresh = member.reader->ReadNew();
  if (!fresh.ok()) return fresh.status();
  member.commits.insert(member.commits.end(), fresh->begin(), fresh->end());
  return member.commits;
}

absl::Status LocalCluster::WaitForCommits(int replica, size_t count, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    absl::StatusOr<std::vector<Commit>> commits = Commits(replica);
    if (!commits.ok()) return commits.status();
    if (commits->size() >= count) return absl::OkStatus();
    if (!running(replica)) {
      return absl::FailedPreconditionError(absl::StrCat("replica ", replica, " is not running"));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("replica ", replica, " committed ",
                                                      commits->size(), " of ", count,
                                                      " values in ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(kPoll);
  }
}

absl::Status LocalCluster::WaitForValues(int replica, const std::vector<std::string>& values,
                                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    absl::StatusOr<std::vector<Commit>> commits = Commits(replica);
    if (!commits.ok()) return commits.status();
    absl::flat_hash_set<std::string> committed;
    for (const Commit& commit : *commits) committed.insert(commit.value);
    const size_t missing = std::count_if(values.begin(), values.end(), [&](const std::string& v) {
      return !committed.contains(v);
    });
    if (missing == 0) return absl::OkStatus();
    if (!running(replica)) {
      return absl::FailedPreconditionError(absl::StrCat("replica ", replica, " is not running"));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("replica ", replica, " is missing ", missing,
                                                      " of ", values.size(), " values after ",
                                                      absl::FormatDuration(timeout)));
    }
    absl::SleepFor(kPoll);
  }
}

absl::Status LocalCluster::Kill(int replica) {
  Member& member = *members_[replica];
  if (!running(replica)) {
    return absl::FailedPreconditionError(absl::StrCat("replica ", replica, " is not running"));
  }
  member.alive = false;
  absl::StatusOr<turncoat::ExitStatus> exit = member.process->Kill();
  return exit.ok() ? absl::OkStatus() : exit.status();
}

absl::Status LocalCluster::Restart(int replica) {
  if (running(replica)) {
    return absl::FailedPreconditionError(absl::StrCat("replica ", replica, " is running"));
  }
  if (absl::Status status = Spawn(replica); !status.ok()) return status;
  return WaitUntilServing(replica, absl::Now() + options_.startup_timeout);
}

bool LocalCluster::running(int replica) {
  Member& member = *members_[replica];
  if (!member.process.has_value()) return false;
  (void)member.process->TryWait();
  member.alive = member.process->running();
  return member.alive;
}

std::string LocalCluster::DescribeLogs() const {
  std::string out;
  for (int i = 0; i < n(); ++i) {
    absl::StrAppend(&out, "--- replica ", i, " (", stderr_path(i), ") ---\n",
                    Tail(ReadFile(stderr_path(i)), 15), "\n");
  }
  return out;
}

}  // namespace refbft
