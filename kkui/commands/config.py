"""``kkui export-config``, ``kkui validate`` and ``kkui profiles``."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kkui.commands._common import (
    add_config_args,
    load_config,
    print_json,
    print_problems,
    problem_counts,
    show_problems,
)
from kkui.commands.console import console, line
from kkui.core.config.problem import has_errors
from kkui.core.config.profiles import list_profiles
from kkui.core.errors import ConfigError, EditError, shown_error
from kkui.core.fsutil import atomic_write
from kkui.i18n import L_, N_, _, shown

if TYPE_CHECKING:  # ruamel.yaml loads when a config is read, not for --help
    from kkui.core.config import ClusterDocument

EXPORT_EPILOG = N_("""\
examples:
  kkui export-config --profile ha-external-lb -o config-sample.yaml
  kkui export-config -f config-sample.yaml --force \\
      --set spec.kubernetes.version=v1.28.15 --set spec.kubernetes.containerManager=containerd
  kkui export-config -f config-sample.yaml --force \\
      --add-host name=worker4,address=192.168.233.19,user=root,privateKeyPath=~/.ssh/id_ed25519 \\
      --roles worker4=worker
  KKUI_SSH_PASSWORD='…' kkui export-config -f c.yaml --force \\
      --add-host name=node5,address=10.0.0.5,password=env:KKUI_SSH_PASSWORD
  kkui export-config -f config-sample.yaml --cluster-only -o - | less

--set paths start at the Cluster document (spec.network.plugin=cilium); paths starting with
kkui. edit kkui's own document (kkui.kk.zone=cn, kkui.loadBalancer.vip=192.168.233.18).
Values are read as YAML scalars (6443 is a number, true a boolean, "6443" a string).

Passwords are never taken from the command line (they would show in `ps`): write
password=env:VAR to read one from an environment variable, or password=prompt to type it.
Nothing is written when the result has errors (exit 2); an existing file is replaced only with
--force, and then the previous version is kept as FILE.bak.
""")

VALIDATE_EPILOG = N_("""\
exit status: 0 no errors (warnings allowed), 1 errors found, 2 file unreadable or not YAML.

examples:
  kkui validate -f config-sample.yaml
  kkui validate --profile ha-kube-vip
  kkui validate -f config-sample.yaml --json | jq '.problems[] | select(.severity=="error")'
""")


def register(subparsers: Any) -> None:
    export = subparsers.add_parser(
        "export-config", help="write a KubeKey config from a file or profile, with edits",
        description=_("Load a config (or a bundled profile), apply edits, validate, and write "
                      "it keeping every comment and the file's own style."),
        epilog=_(EXPORT_EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(export)
    export.add_argument("-o", "--output", metavar="OUT", default="config-sample.yaml",
                        help=_("where to write (default ./config-sample.yaml; - for stdout)"))
    export.add_argument("--set", dest="sets", action="append", default=[],
                        metavar="DOTTED.PATH=VALUE", help=_("set any field (repeatable)"))
    export.add_argument("--add-host", action="append", default=[], metavar="name=..,address=..",
                        help=_("add a host row: name, address, internalAddress, port, user, "
                               "privateKeyPath, arch, password=env:VAR|prompt (repeatable)"))
    export.add_argument("--remove-host", action="append", default=[], metavar="NAME",
                        help=_("remove a host and its role memberships (repeatable)"))
    export.add_argument("--roles", action="append", default=[],
                        metavar="NAME=etcd,control-plane,worker",
                        help=_("set a host's roles exactly (repeatable; NAME= for none)"))
    export.add_argument("--cluster-only", action="store_true",
                        help=_("write only kk's documents (drop kkui's own settings document)"))
    export.add_argument("--force", action="store_true",
                        help=_("replace an existing OUT (the old one is kept as OUT.bak)"))
    export.add_argument("--json", action="store_true",
                        help=_("print the result (path and problems) as JSON"))
    export.set_defaults(func=run_export)

    validate = subparsers.add_parser(
        "validate", help="check a config and print every problem with its fix",
        description=_("Check a KubeKey config the way kk would, and stricter: every problem "
                      "with its field path and how to fix it."),
        epilog=_(VALIDATE_EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(validate)
    validate.add_argument("--json", action="store_true", help=_("machine-readable output"))
    validate.set_defaults(func=run_validate)

    profiles = subparsers.add_parser(
        "profiles", help="list the bundled example topologies",
        description=_("Bundled, commented configs; use one with --profile NAME."),
        epilog=_(PROFILES_EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    profiles.add_argument("--json", action="store_true", help=_("machine-readable output"))
    profiles.set_defaults(func=run_profiles)


# ------------------------------------------------------------------- validate
def run_validate(args: argparse.Namespace) -> int:
    try:
        doc = load_config(args)
    except ConfigError as exc:
        if args.json:
            print_json({"file": getattr(args, "config", None), "readable": False,
                        "error": str(exc), "problems": []})
        else:
            print(_("kkui: error: {error}").format(error=shown_error(exc)), file=sys.stderr)
        return 2
    problems = doc.validate()
    errors, warnings = problem_counts(problems)
    if args.json:
        print_json({"file": doc.source, "readable": True, "errors": errors,
                    "warnings": warnings, "problems": [p.as_dict() for p in problems]})
    else:
        show_problems(problems)
        verdict = _("ok") if not errors else _("not usable by kk until the errors are fixed")
        line(console(sys.stdout), _("{source}: {errors} error(s), {warnings} warning(s) — "
                                    "{verdict}").format(source=doc.source, errors=errors,
                                                        warnings=warnings, verdict=verdict),
             style="bold red" if errors else "bold green")
    return 1 if errors else 0


# ------------------------------------------------------------------- profiles
PROFILES_EPILOG = N_("""\
Examples:
  kkui profiles                                   the names and what each topology is
  kkui profiles --json | jq -r '.[].name'
  kkui export-config --profile ha-kube-vip -o config-sample.yaml   start from one
""")


def run_profiles(args: argparse.Namespace) -> int:
    profiles = list_profiles()
    if args.json:
        print_json([{"name": p.name, "description": p.description} for p in profiles])
        return 0
    width = max((len(p.name) for p in profiles), default=0)
    for profile in profiles:
        print(f"{profile.name:<{width}}  {shown(profile.description)}")
    print("\n" + _("use: kkui export-config --profile NAME -o config-sample.yaml   "
                   "(or: kkui tui --profile NAME)"))
    return 0


# --------------------------------------------------------------- export-config
def parse_value(text: str) -> Any:
    """A --set value as a YAML scalar (numbers, booleans, quoted strings, [] and {})."""
    if text == "":
        return ""
    try:
        from ruamel.yaml import YAML

        value = YAML(typ="safe").load(text)
    except Exception:  # not valid YAML on its own: take it literally
        return text
    return text if value is None and text not in ("null", "~") else value


SECRET_KEYS = ("password", "privateKey")


def parse_pairs(spec: str, what: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for index, part in enumerate(spec.split(","), start=1):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            # never echo a spec that may hold a secret (a password with a comma splits too)
            which = L_("item {index}", index=index) if any(k in spec for k in SECRET_KEYS) \
                else repr(spec)
            raise EditError(L_("{what} {item}: expected key=value pairs separated by commas",
                               what=what, item=which))
        pairs[key.strip()] = value.strip()
    return pairs


def resolve_secret(host: str, value: str) -> str:
    if value.startswith("env:"):
        var = value[4:]
        secret = os.environ.get(var)
        if not secret:
            raise EditError(L_("--add-host {host}: environment variable {var} is not set",
                               host=host, var=var))
        return secret
    if value == "prompt":
        if not sys.stdin.isatty():
            raise EditError(L_("--add-host {host}: password=prompt needs a terminal; use "
                               "password=env:VAR", host=host))
        return getpass.getpass(_("SSH password for {host}: ").format(host=host))
    raise EditError(L_("--add-host {host}: passwords are not accepted on the command line (they "
                       "show in `ps`); use password=env:VAR or password=prompt", host=host))


def host_fields(spec: str) -> dict[str, Any]:
    fields: dict[str, Any] = dict(parse_pairs(spec, "--add-host"))
    name = fields.get("name", "?")
    for key in ("port", "timeout"):
        if key in fields:
            if not str(fields[key]).isdigit():
                raise EditError(L_("--add-host {name}: {key} must be a number, not {value}",
                                   name=name, key=key, value=repr(fields[key])))
            fields[key] = int(fields[key])
    for key in SECRET_KEYS:
        if key in fields:
            fields[key] = resolve_secret(name, str(fields[key]))
    return fields


def apply_edits(doc: ClusterDocument, args: argparse.Namespace) -> None:
    for name in args.remove_host:
        doc.remove_host(name)
    for spec in args.add_host:
        doc.add_host(host_fields(spec))
    for spec in args.roles:
        name, sep, roles = spec.partition("=")
        if not sep:
            raise EditError(L_("--roles {spec}: expected NAME=role,role", spec=repr(spec)))
        doc.set_roles(name.strip(), [r.strip() for r in roles.split(",") if r.strip()])
    for spec in args.sets:
        path, sep, value = spec.partition("=")
        if not sep or not path.strip():
            raise EditError(L_("--set {spec}: expected DOTTED.PATH=VALUE", spec=repr(spec)))
        path = path.strip()
        if path.startswith("kkui."):
            doc.set_kkui(path[len("kkui."):], parse_value(value))
        else:
            doc.set(path, parse_value(value))


def run_export(args: argparse.Namespace) -> int:
    from kkui.core.config.document import ClusterDocument

    doc = load_config(args) if (args.config or args.profile) else \
        ClusterDocument.from_profile("all-in-one")
    apply_edits(doc, args)
    problems = doc.validate()
    errors, warnings = problem_counts(problems)
    out = args.output
    if has_errors(problems):
        if args.json:
            print_json({"written": None, "errors": errors, "warnings": warnings,
                        "problems": [p.as_dict() for p in problems]})
        else:
            print_problems(problems, sys.stderr)
            print(_("kkui: nothing written: {errors} error(s) to fix first").format(
                errors=errors), file=sys.stderr)
        return 2
    text = doc.kk_text() if args.cluster_only else doc.to_text()
    if out == "-":
        sys.stdout.write(text)
        print_problems(problems, sys.stderr)
        return 0
    target = Path(out)
    if target.is_dir():
        raise ConfigError(L_("is a directory: give a file name, not a directory"),
                          path=str(target))
    if target.exists() and not args.force:
        print(_("kkui: {target} exists; add --force to replace it (the current one is kept "
                "as {name}.bak)").format(target=target, name=target.name), file=sys.stderr)
        return 2
    source = getattr(doc, "path", None)  # -o the file itself: refuse if it changed meanwhile
    same = source is not None and os.path.abspath(source) == os.path.abspath(target)
    atomic_write(target, text, expect=doc.disk_fingerprint if same else None)
    if args.json:
        print_json({"written": str(target), "errors": 0, "warnings": warnings,
                    "problems": [p.as_dict() for p in problems]})
    else:
        print_problems(problems, sys.stderr)
        print(_("wrote {target} (mode 0600, {warnings} warning(s))").format(
            target=target, warnings=warnings))
    return 0
