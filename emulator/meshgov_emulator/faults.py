"""Injected faults and the call log (the control API's /faults and /calls)."""
from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Any

from .call import Call
from .errors import default_status


class Fault:
    FIELDS = ("service", "operation", "error", "status", "message", "count", "delay_ms", "hold", "account", "match")
    # A held call is let go after this long even if nobody releases it, so a test that dies
    # holding one cannot wedge the emulator's threads for good.
    HOLD_LIMIT_S = 120.0

    def __init__(self, spec: dict[str, Any]):
        unknown = set(spec) - set(self.FIELDS)
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        self.id = uuid.uuid4().hex[:12]
        self.service = str(spec.get("service") or "").lower()
        if not self.service:
            raise ValueError("service is required")
        self.operation = str(spec.get("operation") or "")
        if not self.operation:
            raise ValueError("operation is required ('*' for any)")
        self.error = spec.get("error")
        self.delay_ms = int(spec.get("delay_ms") or 0)
        self.hold = bool(spec.get("hold"))
        if not self.error and not self.delay_ms and not self.hold:
            raise ValueError("give an error, a delay_ms, hold, or a combination")
        self.status = int(spec["status"]) if spec.get("status") is not None else (
            default_status(self.error) if self.error else 200)
        self.message = spec.get("message") or (f"Injected {self.error} by meshgov-emulator" if self.error else "")
        self.count = int(spec.get("count", 1))
        if self.count == 0 or self.count < -1:
            raise ValueError("count must be N > 0, or -1 for forever")
        self.account = str(spec["account"]) if spec.get("account") else None
        if self.account and not re.fullmatch(r"\d{12}", self.account):
            raise ValueError("account must be a 12-digit account id")
        self.match = spec.get("match")
        self.fired = 0
        # A barrier for tests: `arrived` is set when a matching call reaches the emulator, which
        # then waits for `released` (POST /_emulator/faults/{id}/release) before answering.
        self.arrived = threading.Event()
        self.released = threading.Event()

    def pause(self) -> None:
        """The fault's latency: its delay, then, for a hold, until it is released. Called
        outside the registry's lock, so a paused call never stalls other callers."""
        if self.delay_ms:
            time.sleep(self.delay_ms / 1000.0)
        if self.hold:
            self.arrived.set()
            self.released.wait(self.HOLD_LIMIT_S)

    def applies(self, service: str, operation: str, account: str) -> bool:
        return (
            self.service in (service, "*")
            and self.operation in (operation, "*")
            and (self.account is None or self.account == account)
        )

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.FIELDS}
        d.update(id=self.id, fired=self.fired, arrived=self.arrived.is_set(), released=self.released.is_set())
        return d


class Registry:
    """Faults and the call log, behind one lock.

    That lock is the emulator's only one: Lake Formation's emulated state and its grant calls to
    moto are guarded by it too (lakeformation.py). It is reentrant because a batch takes its
    entries' faults while it holds it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.calls: list[dict[str, Any]] = []
        # Holds stay known after they are used up, until released: a test waits for the call
        # to arrive, acts, then releases it.
        self.holds: dict[str, Fault] = {}

    def add_fault(self, spec: dict[str, Any]) -> Fault:
        fault = Fault(spec)
        with self.lock:
            self.faults.append(fault)
            if fault.hold:
                self.holds[fault.id] = fault
        return fault

    def hold(self, fid: str) -> Fault:
        with self.lock:
            fault = self.holds.get(fid)
        if fault is None:
            raise KeyError(fid)
        return fault

    def release(self, fid: str) -> Fault:
        with self.lock:
            fault = self.holds.pop(fid, None)
        if fault is None:
            raise KeyError(fid)
        fault.released.set()
        return fault

    def release_all(self) -> None:
        with self.lock:
            held, self.holds = list(self.holds.values()), {}
        for fault in held:
            fault.released.set()

    def _consume(self, fault: Fault) -> None:
        fault.fired += 1
        if fault.count > 0:
            fault.count -= 1
            if fault.count == 0:
                self.faults.remove(fault)

    def take(self, call: Call, batch: bool) -> Fault | None:
        """The first fault for this whole request, consumed. On batch operations
        faults with ``match`` are per entry and are not considered here."""
        with self.lock:
            for fault in self.faults:
                if not fault.applies(call.service, call.operation, call.account):
                    continue
                if fault.match is not None:
                    if batch or not call.matches(fault.match):
                        continue
                self._consume(fault)
                return fault
        return None

    def take_for_entry(self, call: Call, entry_json: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.match is None or not fault.applies(call.service, call.operation, call.account):
                    continue
                if fault.match in entry_json:
                    self._consume(fault)
                    return fault
        return None

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            entry["seq"] = len(self.calls) + 1
            self.calls.append(entry)


REGISTRY = Registry()
