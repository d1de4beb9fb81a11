// The history on disk: one JSON object per line, appended as events arrive.
//
// A run that is killed half-way must still leave a readable history, so
// EventLog writes each event with a single write(2) straight to the file (no
// user-space buffer to lose) and ReadEventLog accepts a last line cut off
// mid-write. Format of each line: docs/report-format.md, "History file".
//
// EventLog is thread-safe: the collector may append from several threads.
#ifndef TURNCOAT_MODEL_EVENT_LOG_H_
#define TURNCOAT_MODEL_EVENT_LOG_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "model/history.h"

namespace turncoat {

// One event as one line of JSON, without the newline.
std::string EventToJson(const Event& event);
// The inverse; the error says which field is missing or malformed.
absl::StatusOr<Event> EventFromJson(absl::string_view line);

class EventLog {
 public:
  // Creates `path`; fails if it exists, so one run never appends to another's
  // history.
  static absl::StatusOr<std::unique_ptr<EventLog>> Create(const std::string& path);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Appends one line. Once this returns OK the line is in the kernel's page
  // cache, so it survives the process being killed (not a power cut: there is
  // no fsync per event, which would cap the event rate at the disk's).
  // After an append fails (a full disk, a file size limit), the part of its
  // line that was written is cut off again and nothing more is written:
  // every later call returns the same error, so the file holds whole lines
  // only and stays readable.
  absl::Status Append(const Event& event);

 private:
  EventLog(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}

  const std::string path_;
  absl::Mutex mu_;
  const int fd_;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

struct LoadedHistory {
  History history;
  // The last line was cut off mid-write and skipped.
  bool truncated_tail = false;
};

// Reads a history file. Any malformed line other than an unterminated last
// one is an error naming the file and line.
absl::StatusOr<LoadedHistory> ReadEventLog(const std::string& path);

}  // namespace turncoat

#endif  // TURNCOAT_MODEL_EVENT_LOG_H_
