"""Access without a server: the signed session cookie (gridboard.core.sessions) and the login
throttle (gridboard.core.throttle), with hand-computed delays and locks."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from gridboard.core import auth, sessions, throttle


@pytest.fixture
def accounts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cfg = tmp_path / "gridboard.toml"
    h = auth.hash_password("pw", iterations=1000)
    cfg.write_text(f'[users.ana]\nrole = "analyst"\npassword_hash = "{h}"\n\n'
                   f'[users.lead]\nrole = "leader"\npassword_hash = "{h}"\n', encoding="utf-8")
    monkeypatch.setenv("GRIDBOARD_CONFIG", str(cfg))
    monkeypatch.setenv("GRIDBOARD_SESSION_KEY", str(tmp_path / "keys" / "session.key"))
    return cfg


def test_key_is_made_on_first_use_private_and_kept(accounts: Path, tmp_path: Path) -> None:
    path = tmp_path / "keys" / "session.key"
    assert not path.exists()
    key = sessions.signing_key()
    assert path.exists() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(key) == 32 and sessions.signing_key() == key


def test_cookie_round_trip_and_what_breaks_it(accounts: Path) -> None:
    value = sessions.issue(auth.User("lead", "leader"), now=1_000_000)
    assert sessions.verify(value, now=1_000_001) == auth.User("lead", "leader")
    assert value.split("|")[2] == str(1_000_000 + sessions.COOKIE_SECONDS)
    # expired
    assert sessions.verify(value, now=1_000_000 + sessions.COOKIE_SECONDS) is None
    # forged: another role with the old signature, or a flipped signature character
    name, role, expires, nonce, sig = value.split("|")
    assert sessions.verify("|".join([name, "admin", expires, nonce, sig]), now=1_000_001) is None
    assert sessions.verify(value[:-1] + ("0" if value[-1] != "0" else "1"), now=1_000_001) is None
    assert sessions.verify("garbage", now=1) is None and sessions.verify(None) is None
    # logged out
    other = sessions.issue(auth.User("lead", "leader"))
    sessions.revoke(other)
    assert sessions.verify(other) is None


def test_cookie_ends_with_the_account_or_its_role(accounts: Path) -> None:
    lead, ana = sessions.issue(auth.User("lead", "leader")), sessions.issue(auth.User("ana", "analyst"))
    assert sessions.verify(lead) is not None and sessions.verify(ana) is not None
    text = accounts.read_text(encoding="utf-8")
    accounts.write_text(text.replace('role = "leader"', 'role = "staff"')
                        .replace("[users.ana]", "[users.anna]"), encoding="utf-8")
    assert sessions.verify(lead) is None  # role changed
    assert sessions.verify(ana) is None  # account removed


def test_ticket_is_single_use(accounts: Path) -> None:
    value = sessions.issue(auth.User("ana", "analyst"))
    ticket = sessions.issue_ticket(value)
    assert sessions.ticket_pending(ticket)
    assert sessions.redeem(ticket) == value
    assert sessions.redeem(ticket) is None and not sessions.ticket_pending(ticket)
    assert sessions.redeem("made-up") is None and sessions.redeem(None) is None


def test_throttle_delays_double_then_lock(caplog: pytest.LogCaptureFixture) -> None:
    t = throttle.Throttle()
    now = 1000.0
    caplog.set_level(logging.WARNING, logger="gridboard.auth")
    assert t.failure("ana", "10.0.0.1", now=now).allowed  # 1
    assert t.failure("ana", "10.0.0.1", now=now).allowed  # 2
    # 3rd failure: 2 s, 4th: 4 s, 5th: 8 s (2 ** (n - 3 + 1))
    for n, delay in ((3, 2), (4, 4), (5, 8)):
        verdict = t.failure("ana", "10.0.0.1", now=now)
        assert (verdict.wait_seconds, verdict.locked) == (delay, False), n
        assert not t.check("ana", "10.0.0.1", now=now + delay - 0.5).allowed
        now += delay  # waited it out
        assert t.check("ANA ", "10.0.0.1", now=now).allowed
    for _ in range(6, throttle.LOCK_AFTER):
        t.failure("ana", "10.0.0.1", now=now)
        now += throttle.MAX_DELAY
    verdict = t.failure("ana", "10.0.0.1", now=now)  # the 10th
    assert verdict.locked and verdict.wait_seconds == throttle.LOCK_SECONDS
    assert not t.check("ana", "10.0.0.9", now=now + throttle.LOCK_SECONDS - 1).allowed  # any address
    assert t.check("ana", "10.0.0.9", now=now + throttle.LOCK_SECONDS).allowed
    failures = [r for r in caplog.records if r.getMessage().startswith("login failed")]
    locks = [r for r in caplog.records if r.getMessage().startswith("login locked")]
    assert len(failures) == 10 and len(locks) == 1 and "account='ana'" in locks[0].getMessage()


def test_throttle_per_address_and_success_resets_the_account() -> None:
    t = throttle.Throttle()
    for _ in range(2):
        t.failure("lead", "10.0.0.2", now=0)
    t.success("lead", "10.0.0.2")
    # the account's count restarted (from another address: 1st failure, no delay) …
    assert t.failure("lead", "10.0.0.5", now=0).allowed
    # … while the address keeps its own (its 3rd failure: 2 s), so a good login cannot clear it
    assert t.failure("lead2", "10.0.0.2", now=0).wait_seconds == 2
    # one address trying many names: locked after LOCK_AFTER_ADDRESS failures, other addresses free
    t2 = throttle.Throttle()
    for i in range(throttle.LOCK_AFTER_ADDRESS):
        verdict = t2.failure(f"user{i}", "10.0.0.3", now=0)
    assert verdict.locked
    assert not t2.check("someone", "10.0.0.3", now=1).allowed
    assert t2.check("someone", "10.0.0.4", now=1).allowed
