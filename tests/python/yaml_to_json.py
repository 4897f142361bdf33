"""YAML files as JSON, for the deployment tests (tests/it/deploy/).

    python3 tests/python/yaml_to_json.py FILE...        # [{"file": F, "documents": [...]}, ...]
    python3 tests/python/yaml_to_json.py --probe        # exit 0 when PyYAML is installed

Every document of every file (a Kubernetes manifest holds several), parsed with PyYAML's safe
loader; a file that does not parse exits 1 naming it.
"""
import json
import sys

try:
    import yaml
except ImportError:
    print("PyYAML is not installed", file=sys.stderr)
    sys.exit(3)


def main(argv):
    if argv == ["--probe"]:
        return 0
    out = []
    for name in argv:
        try:
            with open(name, encoding="utf-8") as f:
                docs = [d for d in yaml.safe_load_all(f) if d is not None]
        except (OSError, yaml.YAMLError) as e:
            print(f"{name}: {e}", file=sys.stderr)
            return 1
        out.append({"file": name, "documents": docs})
    json.dump(out, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
