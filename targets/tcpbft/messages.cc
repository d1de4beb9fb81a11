#include "targets/tcpbft/messages.h"

#include "targets/tcpbft/codec.h"

namespace tcpbft {
namespace {

Writer Start(FrameType type) {
  Writer w;
  w.U8(static_cast<uint8_t>(type));
  return w;
}

// A reader positioned after the type byte, failed unless the type is `type`.
Reader Open(absl::string_view body, FrameType type) {
  Reader r(body);
  if (r.U8() != static_cast<uint8_t>(type)) {
    Reader failed{absl::string_view()};
    failed.U8();
    return failed;
  }
  return r;
}

template <typename T>
std::optional<T> Done(const Reader& r, T value) {
  if (!r.ok()) return std::nullopt;
  return value;
}

}  // namespace

std::string Hello::Encode() const { return Start(type).Bytes(id).Bytes(address).data(); }

std::optional<Hello> Hello::Decode(absl::string_view body) {
  if (body.empty()) return std::nullopt;
  Hello m;
  m.type = static_cast<FrameType>(body[0]);
  if (m.type != FrameType::kHello && m.type != FrameType::kHelloAck) return std::nullopt;
  Reader r = Open(body, m.type);
  m.id = r.Bytes();
  m.address = r.Bytes();
  return Done(r, m);
}

std::string Request::Encode() const {
  return Start(FrameType::kRequest).Bytes(client).U64(rid).Bytes(value).data();
}

std::optional<Request> Request::Decode(absl::string_view body) {
  Reader r = Open(body, FrameType::kRequest);
  Request m;
  m.client = r.Bytes();
  m.rid = r.U64();
  m.value = r.Bytes();
  return Done(r, m);
}

std::string PrePrepare::Encode() const {
  return Start(FrameType::kPrePrepare).Bytes(sender).U64(view).U64(seq).Bytes(request).data();
}

std::optional<PrePrepare> PrePrepare::Decode(absl::string_view body) {
  Reader r = Open(body, FrameType::kPrePrepare);
  PrePrepare m;
  m.sender = r.Bytes();
  m.view = r.U64();
  m.seq = r.U64();
  m.request = r.Bytes();
  return Done(r, m);
}

std::string Vote::Encode() const {
  return Start(type).Bytes(sender).U64(view).U64(seq).Bytes(digest).data();
}

std::optional<Vote> Vote::Decode(absl::string_view body) {
  if (body.empty()) return std::nullopt;
  Vote m;
  m.type = static_cast<FrameType>(body[0]);
  if (m.type != FrameType::kPrepare && m.type != FrameType::kCommit) return std::nullopt;
  Reader r = Open(body, m.type);
  m.sender = r.Bytes();
  m.view = r.U64();
  m.seq = r.U64();
  m.digest = r.Bytes();
  return Done(r, m);
}

std::string Checkpoint::Encode() const {
  return Start(FrameType::kCheckpoint).Bytes(sender).U64(seq).Bytes(state).data();
}

std::optional<Checkpoint> Checkpoint::Decode(absl::string_view body) {
  Reader r = Open(body, FrameType::kCheckpoint);
  Checkpoint m;
  m.sender = r.Bytes();
  m.seq = r.U64();
  m.state = r.Bytes();
  return Done(r, m);
}

std::string ViewChange::Encode() const {
  Writer w = Start(FrameType::kViewChange);
  w.Bytes(sender).U64(new_view).U64(checkpoint_seq).List(checkpoint_proof);
  w.U32(static_cast<uint32_t>(prepared.size()));
  for (const PreparedCert& cert : prepared) w.Bytes(cert.pre_prepare).List(cert.prepares);
  return w.data();
}

std::optional<ViewChange> ViewChange::Decode(absl::string_view body) {
  Reader r = Open(body, FrameType::kViewChange);
  ViewChange m;
  m.sender = r.Bytes();
  m.new_view = r.U64();
  m.checkpoint_seq = r.U64();
  m.checkpoint_proof = r.List();
  const uint32_t count = r.U32();
  for (uint32_t i = 0; i < count && r.ok(false); ++i) {
    PreparedCert cert;
    cert.pre_prepare = r.Bytes();
    cert.prepares = r.List();
    m.prepared.push_back(std::move(cert));
  }
  return Done(r, m);
}

std::string NewView::Encode() const {
  return Start(FrameType::kNewView).Bytes(sender).U64(view).List(view_changes).List(pre_prepares).data();
}

std::optional<NewView> NewView::Decode(absl::string_view body) {
  Reader r = Open(body, FrameType::kNewView);
  NewView m;
  m.sender = r.Bytes();
  m.view = r.U64();
  m.view_changes = r.List();
  m.pre_prepares = r.List();
  return Done(r, m);
}

std::string Reply::Encode() const {
  return Start(FrameType::kReply).Bytes(sender).Bytes(client).U64(rid).Bytes(value).data();
}

std::optional<Reply> Reply::Decode(absl::string_view body) {
  Reader r = Open(body, FrameType::kReply);
  Reply m;
  m.sender = r.Bytes();
  m.client = r.Bytes();
  m.rid = r.U64();
  m.value = r.Bytes();
  return Done(r, m);
}

std::string Fetch::Encode() const { return Start(FrameType::kFetch).Bytes(sender).U64(seq).data(); }

std::optional<Fetch> Fetch::Decode(absl::string_view body) {
  Reader r = Open(body, FrameType::kFetch);
  Fetch m;
  m.sender = r.Bytes();
  m.seq = r.U64();
  return Done(r, m);
}

std::string Committed::Encode() const {
  return Start(FrameType::kCommitted).Bytes(sender).U64(seq).Bytes(request).List(commits).data();
}

std::optional<Committed> Committed::Decode(absl::string_view body) {
  Reader r = Open(body, FrameType::kCommitted);
  Committed m;
  m.sender = r.Bytes();
  m.seq = r.U64();
  m.request = r.Bytes();
  m.commits = r.List();
  return Done(r, m);
}

std::string Seal(const SignKey& key, const std::string& body) { return body + key.Sign(body); }

bool Unseal(absl::string_view payload, FrameType type, absl::string_view* body,
            absl::string_view* signature) {
  if (payload.size() <= kSignatureSize || static_cast<uint8_t>(payload[0]) != static_cast<uint8_t>(type)) {
    return false;
  }
  *body = payload.substr(0, payload.size() - kSignatureSize);
  *signature = payload.substr(payload.size() - kSignatureSize);
  return true;
}

}  // namespace tcpbft
