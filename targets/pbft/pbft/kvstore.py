"""The replicated application: a small deterministic key/value store.

Operations are single lines of text, split on whitespace:
  set KEY VALUE...   stores VALUE (the rest of the line), result "OK"
  get KEY            result: the value, or "(nil)"
  del KEY            result "1" if KEY existed, else "0"
Anything else executes as a no-op with the result "ERR unknown command";
an operation is never rejected, so every ordered request executes.

Not thread-safe; used from the replica's event loop only.
"""


class KVStore:
    def __init__(self):
        self._data = {}

    def execute(self, operation):
        parts = operation.split(None, 2)
        if not parts:
            return "ERR unknown command"
        verb = parts[0]
        if verb == "set" and len(parts) >= 2:
            self._data[parts[1]] = parts[2] if len(parts) == 3 else ""
            return "OK"
        if verb == "get" and len(parts) == 2:
            return self._data.get(parts[1], "(nil)")
        if verb == "del" and len(parts) == 2:
            return "1" if self._data.pop(parts[1], None) is not None else "0"
        return "ERR unknown command"
