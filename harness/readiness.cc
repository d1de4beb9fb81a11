#include "harness/readiness.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "re2/re2.h"

namespace turncoat {
namespace {

// Output beyond this without a newline is dropped: a replica that prints a
// megabyte line must not make the probe buffer it.
constexpr size_t kMaxLine = 1 << 20;
// The most of a log read in one poll: a flood is followed, not swallowed whole.
constexpr long long kMaxChunk = 4 << 20;

// grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING.
constexpr int kServing = 1;

// The request of grpc.health.v1.Health/Check, encoded by hand: field 1
// (service), a string. Keeps the harness free of generated health stubs.
std::string HealthRequest(const std::string& service) {
  if (service.empty()) return "";
  std::string out;
  out.push_back(0x0a);
  size_t n = service.size();
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  return out + service;
}

// Field 1 (status, a varint) of a HealthCheckResponse; 0 when absent.
int HealthStatus(const std::string& reply) {
  size_t i = 0;
  while (i < reply.size()) {
    const unsigned char key = static_cast<unsigned char>(reply[i++]);
    const int field = key >> 3;
    const int wire = key & 7;
    uint64_t value = 0;
    if (wire == 0) {
      for (int shift = 0; i < reply.size() && shift < 64; shift += 7) {
        const unsigned char b = static_cast<unsigned char>(reply[i++]);
        value |= static_cast<uint64_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0) break;
      }
      if (field == 1) return static_cast<int>(value);
    } else {
      return 0;  // the response has no other fields turncoat knows
    }
  }
  return 0;
}

}  // namespace

bool PortOpen(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), address.substr(colon + 1).c_str(), &hints, &found) != 0) {
    return false;
  }
  bool open = false;
  for (addrinfo* a = found; a != nullptr && !open; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    open = connect(fd, a->ai_addr, a->ai_addrlen) == 0;
    close(fd);
  }
  freeaddrinfo(found);
  return open;
}

bool GrpcHealthServing(const std::string& address, const std::string& service,
                       absl::Duration timeout) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  grpc::GenericStub stub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  const std::string body = HealthRequest(service);
  grpc::Slice slice(body);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer reply;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &reply,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  if (!done.WaitForNotificationWithTimeout(timeout + absl::Milliseconds(100))) {
    context.TryCancel();
    done.WaitForNotification();
  }
  if (!status.ok()) return false;
  std::vector<grpc::Slice> slices;
  if (!reply.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return HealthStatus(bytes) == kServing;
}

ReadinessProbe::ReadinessProbe(const ReadySpec& spec, std::string listen, std::string workdir)
    : spec_(spec),
      listen_(std::move(listen)),
      log_(absl::StrCat(workdir, spec.stream == ReadySpec::Stream::kStderr ? "/stderr.log"
                                                                          : "/stdout.log")) {
  if (spec_.kind == ReadySpec::Kind::kLog) {
    regex_ = std::make_unique<re2::RE2>(spec_.regex, re2::RE2::Quiet);
  }
}

ReadinessProbe::~ReadinessProbe() = default;

bool ReadinessProbe::Poll() {
  if (ready_) return true;
  switch (spec_.kind) {
    case ReadySpec::Kind::kPort:
      ready_ = PortOpen(listen_);
      break;
    case ReadySpec::Kind::kGrpcHealth:
      ready_ = PortOpen(listen_) && GrpcHealthServing(listen_, spec_.service, absl::Milliseconds(500));
      break;
    case ReadySpec::Kind::kFirstCommit:
      ready_ = true;
      break;
    case ReadySpec::Kind::kLog: {
      std::ifstream in(log_, std::ios::binary);
      if (!in) return false;
      in.seekg(0, std::ios::end);
      const long long size = in.tellg();
      if (size < offset_) {  // truncated: read again from the start
        offset_ = 0;
        partial_.clear();
      }
      in.seekg(offset_);
      // A replica that floods its log is read a bounded slice per poll.
      std::string chunk(static_cast<size_t>(std::min<long long>(size - offset_, kMaxChunk)), '\0');
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      chunk.resize(static_cast<size_t>(in.gcount()));
      offset_ += static_cast<long long>(chunk.size());
      partial_ += chunk;
      size_t start = 0;
      for (size_t nl; !ready_ && (nl = partial_.find('\n', start)) != std::string::npos;
           start = nl + 1) {
        ready_ = re2::RE2::PartialMatch(
            re2::StringPiece(partial_.data() + start, nl - start), *regex_);
      }
      partial_.erase(0, start);
      if (partial_.size() > kMaxLine) partial_.clear();
      break;
    }
  }
  return ready_;
}

std::string ReadinessProbe::Describe() const {
  switch (spec_.kind) {
    case ReadySpec::Kind::kPort:
      return absl::StrCat("its listen address ", listen_, " to accept connections");
    case ReadySpec::Kind::kGrpcHealth:
      return absl::StrCat("grpc.health.v1.Health/Check on ", listen_, " to answer SERVING",
                          spec_.service.empty() ? "" : absl::StrCat(" for '", spec_.service, "'"));
    case ReadySpec::Kind::kLog:
      return absl::StrCat("a line of ", log_, " to match /", spec_.regex, "/");
    case ReadySpec::Kind::kFirstCommit:
      return "a first commit";
  }
  return "";
}

}  // namespace turncoat
