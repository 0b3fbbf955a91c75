#!/usr/bin/env bash
# Validates template.yaml offline: `sam validate --lint`, then SAM's own translator expands the
# serverless resources and cfn-lint checks the plain CloudFormation it produced (cfn-lint alone
# does not look inside AWS::Serverless resources). Needs .venv from scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv/bin
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
template="${1:-template.yaml}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$venv/sam" validate --lint --template-file "$template" --region "$AWS_DEFAULT_REGION"

"$venv/python" - "$template" "$out/translated.json" <<'PY'
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

class NoManagedPolicies:
    """The template names no AWS managed policy by name, so no IAM lookup is needed."""
    def load(self):
        return {}

with open(sys.argv[1]) as f:
    template = yaml_parse(f.read())
# `sam package` would replace local code paths with S3 locations; the translator insists on them.
for resource in template["Resources"].values():
    if resource["Type"] == "AWS::Serverless::Function":
        resource["Properties"]["CodeUri"] = "s3://validation-only/plan-index.zip"
    elif resource["Type"] == "AWS::Serverless::LayerVersion":
        resource["Properties"]["ContentUri"] = "s3://validation-only/layer.zip"
translated = transform(template, {}, NoManagedPolicies())
with open(sys.argv[2], "w") as f:
    json.dump(translated, f, indent=1)
kinds = sorted({r["Type"] for r in translated["Resources"].values()})
print(f"translated: {len(translated['Resources'])} resources ({', '.join(kinds)})")
PY

"$venv/cfn-lint" --regions "$AWS_DEFAULT_REGION" -- "$out/translated.json"
echo "$template: sam validate --lint, samtranslator and cfn-lint all pass"
