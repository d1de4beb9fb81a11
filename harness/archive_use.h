// Archive use: whether a run's agents keep a run-long message archive
// (agents/message_archive.h) and read rounds for it, from what the plan's
// phases ask of it (AdversaryInfo::archive_use). The archive copies every
// message a proxy carries, so a plan whose phases never replay from far
// back has its agents keep none. A pure function of the plan and the
// adversary registry; thread-compatible.
#ifndef TURNCOAT_HARNESS_ARCHIVE_USE_H_
#define TURNCOAT_HARNESS_ARCHIVE_USE_H_

#include "model/adversary_registry.h"
#include "model/plan.h"

namespace turncoat {

// What the agents of a run of `plan` must keep: the union of its phases'
// asks. Phases naming unknown adversaries ask nothing.
ArchiveUse PlanArchiveUse(const Plan& plan);

}  // namespace turncoat

#endif  // TURNCOAT_HARNESS_ARCHIVE_USE_H_
