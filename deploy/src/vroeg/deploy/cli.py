"""The `vroeg` command."""

from __future__ import annotations

import argparse
import asyncio
import sys

from vroeg.deploy import infra
from vroeg.deploy.dead_letters import DeadLetterError
from vroeg.deploy.processes import ProcessError


def main(argv: list[str] | None = None) -> None:
    """Entry point of `vroeg`."""
    parser = argparse.ArgumentParser(prog="vroeg", description="Run the vroeg platform locally.")
    commands = parser.add_subparsers(dest="command", required=True)
    infra_cmd = commands.add_parser(
        "infra", help="Kafka and PostgreSQL for the services (and Zipkin, the tracing dashboard)"
    )
    infra_cmd.add_argument("action", choices=["up", "down", "status"])
    infra_cmd.add_argument(
        "only",
        nargs="?",
        choices=["kafka", "postgresql", "tracing"],
        help="down: stop only this one",
    )
    infra_cmd.add_argument(
        "--tracing", action="store_true", help="up: start Zipkin too (the tracing dashboard)"
    )
    demo = commands.add_parser("demo", help="infrastructure, all services, demo traffic, report")
    demo.add_argument("--keep", action="store_true", help="leave the platform running after")
    demo.add_argument(
        "--tracing",
        action="store_true",
        help="send the services' spans to Zipkin (started if need be) and link a signal's trace",
    )
    demo.add_argument(
        "--base-port",
        type=int,
        help="listen on this port and the next ten (default 8001-8007, 8090-8093)",
    )
    commands.add_parser("docs", help="regenerate docs/architecture.md and docs/asyncapi.yaml")
    dead = commands.add_parser("dead-letters", help="list or replay a service's parked events")
    dead.add_argument("action", choices=["list", "replay"])
    dead.add_argument("service", help="the service that parked them, e.g. matcher")
    dead.add_argument(
        "--id", dest="ids", action="append", default=[], help="replay only this event id"
    )
    reporting = commands.add_parser("reporting", help="the monitor's figures")
    reporting.add_argument(
        "action",
        choices=["rebuild"],
        help="rebuild: every figure again from the fact topics, from their beginning",
    )
    tools = commands.add_parser(
        "tools", help="tools from the registries, built once into the cache"
    )
    tools.add_argument(
        "tool", choices=["helm"], help="print the path of the tool, building it first"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "infra":
            _infra(args.action, args.only, tracing=args.tracing)
        elif args.command == "demo":
            from vroeg.deploy.demo import run_demo

            run_demo(keep=args.keep, base_port=args.base_port, tracing=args.tracing)
        elif args.command == "docs":
            from vroeg.deploy.docs import write_docs

            for path in write_docs():
                print(f"wrote {path}")
        elif args.command == "tools":
            from vroeg.deploy.helm import helm_binary

            print(helm_binary())
        elif args.command == "dead-letters":
            _dead_letters(args.action, args.service, args.ids)
        elif args.command == "reporting":
            _rebuild_reporting()
    except (infra.InfraError, ProcessError, DeadLetterError) as exc:
        print(f"vroeg: {exc}", file=sys.stderr)
        sys.exit(1)


def _infra(action: str, only: str | None, *, tracing: bool) -> None:
    if action == "up":
        endpoints = infra.up(tracing=tracing)
        for key, value in endpoints.env().items():
            print(f"{key}={value}")
        if endpoints.zipkin:
            print(f"# tracing dashboard: {endpoints.zipkin}/zipkin/")
    elif action == "down":
        infra.down(
            kafka=only in (None, "kafka"),
            postgresql=only in (None, "postgresql"),
            tracing=only in (None, "tracing"),
        )
        print("stopped")
    else:
        for name, running in infra.status().items():
            print(f"{name}: {'running' if running else 'stopped'}")


def _rebuild_reporting() -> None:
    from vroeg.reporting.rebuild import rebuild
    from vroeg.reporting.settings import Settings

    rebuilt = asyncio.run(rebuild(Settings()))
    for topic, facts in rebuilt.facts.items():
        print(f"{topic}: {facts} facts")
    print(f"{sum(rebuilt.facts.values())} facts kept, {rebuilt.unreadable} unreadable records")


def _dead_letters(action: str, service: str, ids: list[str]) -> None:
    from vroeg.deploy import dead_letters
    from vroeg.shared.settings import ServiceSettings

    dead_letters.check_service(service)
    settings = ServiceSettings()
    if action == "list":
        for parked, processed in asyncio.run(dead_letters.list_parked(settings, service)):
            print(dead_letters.describe(parked, processed))
        return
    replayed = asyncio.run(dead_letters.replay(settings, service, ids))
    for event_id in replayed:
        print(f"replayed {event_id}")
    print(f"{len(replayed)} replayed")
