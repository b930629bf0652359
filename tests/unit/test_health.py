"""``GET /health`` core: healthy, starting until started, unhealthy after, with Kafka's messages."""

from __future__ import annotations

from connectd.runtime.health import HealthCheck, HealthState


def test_gateway_rule_starting_until_the_first_pass_then_unhealthy() -> None:
    answers = iter(["The coordinator is down.", None, "The coordinator is down."])
    check = HealthCheck(lambda _timeout: next(answers))
    starting = check.check()
    assert starting.status is HealthState.STARTING
    assert starting.message == "Worker is still starting up. The coordinator is down."
    healthy = check.check()
    assert healthy.to_dict() == {
        "status": "healthy",
        "message": "Worker has completed startup and is ready to handle requests.",
    }
    unhealthy = check.check()
    assert unhealthy.to_dict() == {
        "status": "unhealthy",
        "message": "Worker was unable to handle this request and may be unable to handle other requests. "
        "The coordinator is down.",
    }


def test_explicit_startup_flag_wins() -> None:
    started = False
    check = HealthCheck(lambda timeout: f"Stuck for {timeout:g}s.", started=lambda: started, timeout_s=0.5)
    assert check.check().message == "Worker is still starting up. Stuck for 0.5s."
    started = True
    assert check.check().status is HealthState.UNHEALTHY
