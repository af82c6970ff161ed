"""What the CloudFormation templates must hold, checked against deploy/iam/ and the service's needs.

cfn-lint (run first by check.sh) validates resource types, property names and types; these tests
check meaning: every role's policies and trust are the documented ones of deploy/iam/ (so the two
cannot drift apart), the Lake Formation registrations, the outputs others rely on, the database
password kept in Secrets Manager, log retention, and the catalog-event wiring.

Templates are read with cfn-lint's decoder (it understands !Ref, !Sub...). Policies are compared
after evaluating the template for a set of parameter values with the small evaluator below
(Ref, Fn::Sub, Fn::Join, Fn::Split, Fn::Select, Fn::If, conditions, AWS::NoValue), the account
and parameters standing for deploy/iam's placeholders (<GOVERNANCE_ACCOUNT>, <EXTERNAL_ID>...).
"""

import json
import re
from pathlib import Path

import pytest
from cfnlint.decode import decode

HERE = Path(__file__).resolve().parent
IAM = HERE.parent / "iam"


def load(name):
    template, matches = decode(str(HERE / name))
    assert not matches, f"{name} does not parse: {matches}"
    return template


GOVERNANCE = load("governance.yaml")
PRODUCER = load("producer.yaml")
CONSUMER = load("consumer.yaml")
TEMPLATES = {"governance.yaml": GOVERNANCE, "producer.yaml": PRODUCER, "consumer.yaml": CONSUMER}


# ---------------------------------------------------------------------------------------------
# A small evaluator of the intrinsic functions the templates use
# ---------------------------------------------------------------------------------------------

NO_VALUE = object()


class Evaluator:
    """Evaluates a template's values for given parameters (others take their Default)."""

    def __init__(self, template, account, **params):
        self.template = template
        self.values = {"AWS::Partition": "aws", "AWS::AccountId": account, "AWS::Region": "<REGION>",
                       "AWS::StackName": "<STACK>", "AWS::NoValue": NO_VALUE}
        for name, spec in template.get("Parameters", {}).items():
            value = params.pop(name, spec.get("Default"))
            if value is not None and (spec["Type"] == "CommaDelimitedList" or spec["Type"].startswith("List<")):
                value = value.split(",") if isinstance(value, str) else value
            self.values[name] = value
        assert not params, f"no such parameters: {sorted(params)}"
        self.conditions = {}

    def condition(self, name):
        if name not in self.conditions:
            self.conditions[name] = bool(self.eval(self.template["Conditions"][name]))
        return self.conditions[name]

    def exists(self, logical_id):
        resource = self.template["Resources"].get(logical_id) or self.template["Outputs"][logical_id]
        return "Condition" not in resource or self.condition(resource["Condition"])

    def eval(self, node):
        if isinstance(node, list):
            out = [self.eval(item) for item in node]
            return [item for item in out if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                if arg in self.values:
                    return self.values[arg]
                return f"<Ref {arg}>"
            if key == "Fn::GetAtt":
                return f"<GetAtt {'.'.join(arg) if isinstance(arg, list) else arg}>"
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                variables = {k: self.eval(v) for k, v in variables.items()}

                def substitute(match):
                    name = match.group(1)
                    if name in variables:
                        return str(variables[name])
                    if "." in name:
                        return f"<GetAtt {name}>"
                    value = self.values.get(name, f"<Ref {name}>")
                    assert isinstance(value, str), f"${{{name}}} is not a string"
                    return value

                return re.sub(r"\$\{([^}!]+)\}", substitute, text)
            if key == "Fn::Join":
                return arg[0].join(self.eval(arg[1]))
            if key == "Fn::Split":
                return self.eval(arg[1]).split(arg[0])
            if key == "Fn::Select":
                return self.eval(arg[1])[int(self.eval(arg[0]))]
            if key == "Fn::If":
                return self.eval(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Equals":
                return self.eval(arg[0]) == self.eval(arg[1])
            if key == "Fn::Not":
                return not self.eval(arg[0])
            if key == "Fn::And":
                return all(self.eval(a) for a in arg)
            if key == "Fn::Or":
                return any(self.eval(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
        out = {k: self.eval(v) for k, v in node.items()}
        return {k: v for k, v in out.items() if v is not NO_VALUE}


def as_list(value):
    return value if isinstance(value, list) else [value]


def normalized(statements):
    """Statements with Action, Resource and condition values as sorted lists: IAM reads a single
    value and a list of one alike, and their order means nothing."""
    out = []
    for statement in statements:
        statement = dict(statement)
        for key in ("Action", "Resource"):
            if key in statement:
                statement[key] = sorted(as_list(statement[key]))
        if "Condition" in statement:
            statement["Condition"] = {op: {k: sorted(as_list(v)) for k, v in keys.items()}
                                      for op, keys in statement["Condition"].items()}
        out.append(statement)
    return sorted(out, key=lambda s: json.dumps(s, sort_keys=True))


def actions(statements):
    return sorted({action for s in statements for action in as_list(s["Action"])})


def iam_file(name):
    return json.loads((IAM / name).read_text())


def role_policies(evaluator, logical_id):
    """{policy name: statements} of a role's inline policies, evaluated."""
    props = evaluator.eval(evaluator.template["Resources"][logical_id]["Properties"])
    return {p["PolicyName"]: p["PolicyDocument"]["Statement"] for p in props.get("Policies", [])}


def role_trust(evaluator, logical_id):
    return evaluator.eval(evaluator.template["Resources"][logical_id]["Properties"]["AssumeRolePolicyDocument"])


# The role of each template that deploy/iam documents: (template, logical id, policy names that
# together hold the file's permissions, the file, the values its placeholders stand for).
GOV = {"account": "<GOVERNANCE_ACCOUNT>"}
PROD = {"account": "<PRODUCER_ACCOUNT>", "GovernanceAccountId": "<GOVERNANCE_ACCOUNT>", "ExternalId": "<EXTERNAL_ID>"}
CONS = {"account": "<CONSUMER_ACCOUNT>", "GovernanceAccountId": "<GOVERNANCE_ACCOUNT>", "ExternalId": "<EXTERNAL_ID>"}
DATA_ACCESS = dict(GOV, ProducerDataLocations="arn:aws:s3:::<BUCKET>/<PREFIX>", ProducerBucketArns="arn:aws:s3:::<BUCKET>",
                   ProducerDataPrefixes="<PREFIX>", ProducerKmsKeyArns="<KMS_KEY_ARN>")
ROLES = {
    "governance-service": ("governance.yaml", "ServiceRole", ["governance-service"], "governance-service.json", GOV),
    "data-access": ("governance.yaml", "DataAccessRole", ["read-producer-data", "decrypt-producer-data"],
                    "data-access-role.json", DATA_ACCESS),
    "producer-sync": ("producer.yaml", "SyncRole", ["producer-sync"], "producer-sync-role.json", PROD),
    "producer-grant": ("producer.yaml", "GrantRole", ["producer-grant"], "producer-grant-role.json",
                       dict(PROD, CatalogMode="producer")),
    "consumer-link": ("consumer.yaml", "LinkRole", ["consumer-link"], "consumer-link-role.json", CONS),
}
# Roles deploy/iam does not document: each is the plumbing of one AWS service, said here why.
OTHER_ROLES = {
    ("governance.yaml", "SchedulerRole"): "EventBridge Scheduler invokes the worker function",
    ("governance.yaml", "TaskExecutionRole"): "ECS pulls the image and writes the task's logs",
    ("producer.yaml", "CatalogEventsForwardRole"): "EventBridge forwards Glue events to meshgov's bus",
}


def evaluator_for(key):
    template_name, _, _, _, values = ROLES[key]
    values = dict(values)
    return Evaluator(TEMPLATES[template_name], values.pop("account"), **values)


def file_parts(file_name):
    document = iam_file(file_name)
    if "permissions" in document:
        return document["trust"], document["permissions"]
    return None, document


def test_every_role_is_mapped_to_deploy_iam_or_explained():
    mapped = {(t, logical_id) for t, logical_id, *_ in ROLES.values()}
    for template_name, template in TEMPLATES.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] == "AWS::IAM::Role":
                key = (template_name, logical_id)
                assert key in mapped or key in OTHER_ROLES, (
                    f"{template_name} {logical_id}: a new role; map it to its deploy/iam file in ROLES "
                    "or say in OTHER_ROLES why deploy/iam does not document it")
    for template_name, logical_id in mapped | set(OTHER_ROLES):
        assert TEMPLATES[template_name]["Resources"][logical_id]["Type"] == "AWS::IAM::Role"
    # Every deploy/iam file with permissions of a role is deployed by some template.
    role_files = {f.name for f in IAM.glob("*.json") if "permissions" in json.loads(f.read_text())}
    role_files.add("governance-service.json")
    assert role_files == {r[3] for r in ROLES.values()}


@pytest.mark.parametrize("key", sorted(ROLES))
def test_role_actions_equal_deploy_iam(key):
    _, logical_id, policy_names, file_name, _ = ROLES[key]
    policies = role_policies(evaluator_for(key), logical_id)
    statements = [s for name in policy_names for s in policies.get(name, [])]
    assert actions(statements) == actions(file_parts(file_name)[1]["Statement"])


@pytest.mark.parametrize("key", sorted(ROLES))
def test_role_statements_equal_deploy_iam(key):
    """The whole statements (Sid, Effect, Action, Resource, Condition), placeholders filled in."""
    _, logical_id, policy_names, file_name, _ = ROLES[key]
    policies = role_policies(evaluator_for(key), logical_id)
    statements = [s for name in policy_names for s in policies.get(name, [])]
    assert normalized(statements) == normalized(file_parts(file_name)[1]["Statement"])


@pytest.mark.parametrize("key", sorted(ROLES))
def test_role_trust_equals_deploy_iam(key):
    _, logical_id, _, file_name, _ = ROLES[key]
    trust, _ = file_parts(file_name)
    if trust is None:  # the service role: trusted by the compute service Compute chooses
        for compute, service in (("lambda", "lambda.amazonaws.com"), ("ecs", "ecs-tasks.amazonaws.com")):
            document = role_trust(Evaluator(GOVERNANCE, "<GOVERNANCE_ACCOUNT>", Compute=compute), logical_id)
            assert [s["Principal"] for s in document["Statement"]] == [{"Service": service}]
        return
    assert normalized(role_trust(evaluator_for(key), logical_id)["Statement"]) == normalized(trust["Statement"])


@pytest.mark.parametrize("key", sorted(ROLES))
def test_trust_requires_the_external_id_where_deploy_iam_does(key):
    template_name, logical_id, _, file_name, _ = ROLES[key]
    trust, _ = file_parts(file_name)
    wants = trust is not None and any("sts:ExternalId" in json.dumps(s.get("Condition", {})) for s in trust["Statement"])
    raw = TEMPLATES[template_name]["Resources"][logical_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    for statement in raw:
        condition = statement.get("Condition", {}).get("StringEquals", {}).get("sts:ExternalId")
        if wants:
            assert condition == {"Ref": "ExternalId"}, f"{logical_id} must require the domain's external id"
            assert "ExternalId" in TEMPLATES[template_name]["Parameters"]
        else:
            assert condition is None


def test_named_database_narrowing_of_the_sync_role():
    evaluator = Evaluator(PRODUCER, "<PRODUCER_ACCOUNT>", GovernanceAccountId="1" * 12, ExternalId="x",
                          ProductDatabases="sales,sales_raw")
    (statement,) = role_policies(evaluator, "SyncRole")["producer-sync"]
    assert sorted(statement["Resource"]) == sorted([
        "arn:aws:glue:*:<PRODUCER_ACCOUNT>:catalog",
        "arn:aws:glue:*:<PRODUCER_ACCOUNT>:database/sales",
        "arn:aws:glue:*:<PRODUCER_ACCOUNT>:table/sales/*",
        "arn:aws:glue:*:<PRODUCER_ACCOUNT>:database/sales_raw",
        "arn:aws:glue:*:<PRODUCER_ACCOUNT>:table/sales_raw/*",
    ])


def test_data_access_role_covers_every_producer_location():
    evaluator = Evaluator(GOVERNANCE, "<GOVERNANCE_ACCOUNT>",
                          ProducerDataLocations="arn:aws:s3:::b1/sales/,arn:aws:s3:::b2/orders/",
                          ProducerBucketArns="arn:aws:s3:::b1,arn:aws:s3:::b2", ProducerDataPrefixes="sales/,orders/")
    statements = {s["Sid"]: s for s in role_policies(evaluator, "DataAccessRole")["read-producer-data"]}
    assert statements["ReadTheProducersDataForQueriesOnTheMirror"]["Resource"] == [
        "arn:aws:s3:::b1/sales/*", "arn:aws:s3:::b2/orders/*"]
    listing = statements["ListTheProducersPrefixesForQueriesOnTheMirror"]
    assert listing["Resource"] == ["arn:aws:s3:::b1", "arn:aws:s3:::b2"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["sales/*", "orders/*"]}}
    # Before any producer: no S3 or KMS permission at all.
    empty = Evaluator(GOVERNANCE, "<GOVERNANCE_ACCOUNT>")
    assert role_policies(empty, "DataAccessRole") == {}


def test_role_names_are_the_ones_meshgov_and_deploy_iam_use():
    names = {(t, r["Properties"].get("RoleName")) for t, tpl in TEMPLATES.items()
             for r in tpl["Resources"].values() if r["Type"] == "AWS::IAM::Role"}
    assert ("governance.yaml", "meshgov") in names  # arn:aws:iam::<GOVERNANCE_ACCOUNT>:role/meshgov
    assert ("governance.yaml", "meshgov-data-access") in names
    assert ("producer.yaml", "meshgov-catalog-reader") in names
    assert ("producer.yaml", "meshgov-grants") in names
    assert ("consumer.yaml", "meshgov-links") in names  # src/domains/model.rs's example link_role_arn
    assert GOVERNANCE["Resources"]["ServiceRole"]["Properties"]["Path"] == "/"
    for key in ("producer-sync", "producer-grant", "consumer-link"):
        trust, _ = file_parts(ROLES[key][3])
        assert trust["Statement"][0]["Principal"]["AWS"] == "arn:aws:iam::<GOVERNANCE_ACCOUNT>:role/meshgov"


def test_meshgov_may_assume_every_role_that_trusts_it():
    policies = role_policies(Evaluator(GOVERNANCE, "<GOVERNANCE_ACCOUNT>"), "ServiceRole")
    assumable = {r for s in policies["governance-service"] if "sts:AssumeRole" in as_list(s["Action"])
                 for r in as_list(s["Resource"])}
    for template in (PRODUCER, CONSUMER):
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::IAM::Role" and "RoleName" in resource["Properties"]:
                assert f"arn:aws:iam::*:role/{resource['Properties']['RoleName']}" in assumable


# ---------------------------------------------------------------------------------------------
# Lake Formation administrators
# ---------------------------------------------------------------------------------------------

LAKE_FORMATION_ADMINS = [
    ("governance.yaml", "ServiceRole", None, GOV),
    ("producer.yaml", "GrantRole", "IsProducerMode", dict(PROD, CatalogMode="producer")),
    ("consumer.yaml", "LinkRole", None, CONS),
]


@pytest.mark.parametrize("template_name,role,condition,values", LAKE_FORMATION_ADMINS)
def test_the_role_is_registered_as_a_lake_formation_admin(template_name, role, condition, values):
    template = TEMPLATES[template_name]
    (logical_id,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::LakeFormation::DataLakeSettings"]
    settings = template["Resources"][logical_id]
    assert settings.get("Condition") == condition
    props = settings["Properties"]
    assert props["MutationType"] == "APPEND"
    # Untouched: the account's defaults for new databases and tables are not the stack's business.
    assert "CreateDatabaseDefaultPermissions" not in props and "CreateTableDefaultPermissions" not in props
    values = dict(values)
    account = values.pop("account")
    existing = ["arn:aws:iam::111122223333:role/Admin", "arn:aws:iam::111122223333:user/alice",
                "arn:aws:iam::111122223333:role/Other"]
    evaluated = Evaluator(template, account, ExistingLakeFormationAdmins=",".join(existing), **values).eval(props)
    assert evaluated["Admins"] == [{"DataLakePrincipalIdentifier": f"<GetAtt {role}.Arn>"}] + [
        {"DataLakePrincipalIdentifier": arn} for arn in existing]
    alone = Evaluator(template, account, **values).eval(props)
    assert alone["Admins"] == [{"DataLakePrincipalIdentifier": f"<GetAtt {role}.Arn>"}]
    # Ten are kept; an eleventh fails the stack instead of being dropped.
    ten = [f"arn:aws:iam::111122223333:role/A{i}" for i in range(10)]
    evaluator = Evaluator(template, account, ExistingLakeFormationAdmins=",".join(ten), **values)
    assert len(evaluator.eval(props)["Admins"]) == 11
    refusals = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudFormation::WaitCondition"]
    assert refusals and not any(evaluator.exists(k) for k in refusals)
    eleven = Evaluator(template, account, ExistingLakeFormationAdmins=",".join(ten + ["arn:aws:iam::1:role/B"]), **values)
    assert any(eleven.exists(k) for k in refusals)


def test_producer_mode_alone_creates_the_grant_role_and_registration():
    central = Evaluator(PRODUCER, "<PRODUCER_ACCOUNT>", GovernanceAccountId="1" * 12, ExternalId="x", DataBucket="b")
    producer = Evaluator(PRODUCER, "<PRODUCER_ACCOUNT>", GovernanceAccountId="1" * 12, ExternalId="x", CatalogMode="producer")
    for logical_id in ("GrantRole", "DataLakeAdministrators", "GrantRoleArn"):
        assert producer.exists(logical_id) and not central.exists(logical_id)
    for logical_id in ("BucketPolicyStatement", "DataLocation"):
        assert central.exists(logical_id) and not producer.exists(logical_id)
    grant_role = PRODUCER["Resources"]["GrantRole"]["Properties"]
    assert producer.eval(grant_role["ManagedPolicyArns"]) == ["arn:aws:iam::aws:policy/AWSLakeFormationCrossAccountManager"]


def test_the_service_role_can_share_across_accounts():
    for compute in ("lambda", "ecs"):
        arns = Evaluator(GOVERNANCE, "<GOVERNANCE_ACCOUNT>", Compute=compute).eval(
            GOVERNANCE["Resources"]["ServiceRole"]["Properties"]["ManagedPolicyArns"])
        assert "arn:aws:iam::aws:policy/AWSLakeFormationCrossAccountManager" in arns


# ---------------------------------------------------------------------------------------------
# Producers' resource-policy statements (central mode)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("output,file_name", [("BucketPolicyStatement", "producer-bucket-policy.json"),
                                              ("KmsKeyPolicyStatement", "producer-kms-key-policy.json")])
def test_resource_policy_statements_equal_deploy_iam(output, file_name):
    evaluator = Evaluator(PRODUCER, "<PRODUCER_ACCOUNT>", GovernanceAccountId="<GOVERNANCE_ACCOUNT>", ExternalId="x",
                          DataBucket="<BUCKET>", DataPrefix="<PREFIX>", KmsKeyArn="<KMS_KEY_ARN>")
    assert evaluator.exists(output)
    statements = json.loads(evaluator.eval(PRODUCER["Outputs"][output]["Value"]))
    assert normalized(statements) == normalized(iam_file(file_name)["Statement"])


# ---------------------------------------------------------------------------------------------
# Outputs, parameters
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("template_name,outputs", [
    ("governance.yaml", ["ApiUrl", "ServiceRoleArn", "DataAccessRoleArn", "CatalogEventBusArn",
                         "CatalogEventsQueueUrl", "DatabaseSecretArn"]),
    ("producer.yaml", ["SyncRoleArn", "GrantRoleArn", "BucketPolicyStatement", "KmsKeyPolicyStatement"]),
    ("consumer.yaml", ["LinkRoleArn"]),
])
def test_outputs_exist(template_name, outputs):
    assert set(outputs) <= set(TEMPLATES[template_name]["Outputs"])


def test_quick_create_parameters():
    # meshgov builds param_GovernanceAccountId=…&param_ExternalId=…&param_CatalogMode=…
    assert {"GovernanceAccountId", "ExternalId", "CatalogMode"} <= set(PRODUCER["Parameters"])
    assert {"GovernanceAccountId", "ExternalId"} <= set(CONSUMER["Parameters"])
    for template in (PRODUCER, CONSUMER):
        assert "Default" not in template["Parameters"]["ExternalId"]
        assert "Default" not in template["Parameters"]["GovernanceAccountId"]


def test_service_role_arn_output_is_the_role_producers_trust():
    assert GOVERNANCE["Outputs"]["ServiceRoleArn"]["Value"] == {"Fn::GetAtt": ["ServiceRole", "Arn"]}
    assert GOVERNANCE["Resources"]["ServiceRole"]["Properties"]["RoleName"] == "meshgov"


# ---------------------------------------------------------------------------------------------
# The database
# ---------------------------------------------------------------------------------------------

SECRET = {"Fn::GetAtt": ["DatabaseCluster", "MasterUserSecret.SecretArn"]}


def when_set(value):
    """A setting present only under a condition (`!If [Cond, value, !Ref AWS::NoValue]`), as set."""
    if isinstance(value, dict) and list(value) == ["Fn::If"] and value["Fn::If"][2] == {"Ref": "AWS::NoValue"}:
        return value["Fn::If"][1]
    return value


def service_environments():
    """The environment of every way the service runs: both functions and the ECS container."""
    resources = GOVERNANCE["Resources"]
    envs = {
        name: {k: when_set(v) for k, v in resources[name]["Properties"]["Environment"]["Variables"].items()}
        for name in ("ApiFunction", "WorkerFunction")
    }
    (container,) = resources["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    envs["TaskDefinition"] = {e["Name"]: e["Value"] for e in map(when_set, container["Environment"])}
    return envs


def test_database_password_is_in_secrets_manager():
    cluster = GOVERNANCE["Resources"]["DatabaseCluster"]
    props = cluster["Properties"]
    assert props["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in props
    for name, spec in GOVERNANCE["Parameters"].items():
        assert "password" not in name.lower() and "secret" not in name.lower(), f"parameter {name}"
        assert not spec.get("NoEcho"), f"parameter {name}: nothing secret is a parameter"
    assert props["Engine"] == "aurora-postgresql"
    assert re.fullmatch(r"1[56]\.\d+", GOVERNANCE["Parameters"]["DatabaseEngineVersion"]["Default"])
    assert props["StorageEncrypted"] is True
    assert set(props["ServerlessV2ScalingConfiguration"]) == {"MinCapacity", "MaxCapacity"}
    assert cluster["DeletionPolicy"] == "Snapshot" and cluster["UpdateReplacePolicy"] == "Snapshot"
    assert props["DeletionProtection"] == {"Ref": "DatabaseDeletionProtection"}
    (instance,) = [r for r in GOVERNANCE["Resources"].values() if r["Type"] == "AWS::RDS::DBInstance"]
    assert instance["Properties"]["DBInstanceClass"] == "db.serverless"
    for name, env in service_environments().items():
        assert env["MESHGOV_DATABASE_SECRET_ARN"] == SECRET, name
        assert env["MESHGOV_DATABASE_HOST"] == {"Fn::GetAtt": ["DatabaseCluster", "Endpoint.Address"]}, name
        assert env["MESHGOV_DATABASE_PORT"] == {"Fn::GetAtt": ["DatabaseCluster", "Endpoint.Port"]}, name
        assert env["MESHGOV_DATABASE_NAME"] == props["DatabaseName"], name
        assert not any("PASSWORD" in k or k == "DATABASE_URL" for k in env), name
    # The service may read that secret, and no other.
    runtime = {s["Sid"]: s for s in GOVERNANCE["Resources"]["ServiceRole"]["Properties"]["Policies"][1]["PolicyDocument"]["Statement"]}
    statement = runtime["ReadTheDatabaseCredentialsRdsKeepsInSecretsManager"]
    assert statement["Action"] == "secretsmanager:GetSecretValue" and statement["Resource"] == SECRET


def test_only_the_service_reaches_the_database_on_5432():
    resources = GOVERNANCE["Resources"]
    ingress = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::EC2::SecurityGroupIngress"
               and r["Properties"]["GroupId"] == {"Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"]}]
    assert ingress == [dict(ingress[0], FromPort=5432, ToPort=5432, IpProtocol="tcp",
                            SourceSecurityGroupId={"Fn::GetAtt": ["ServiceSecurityGroup", "GroupId"]})]
    assert "SecurityGroupIngress" not in resources["DatabaseSecurityGroup"]["Properties"]


# ---------------------------------------------------------------------------------------------
# Logs
# ---------------------------------------------------------------------------------------------

def test_log_groups_have_retention_and_the_service_logs_to_them():
    groups = {k for k, r in GOVERNANCE["Resources"].items() if r["Type"] == "AWS::Logs::LogGroup"}
    assert groups
    for name in groups:
        assert GOVERNANCE["Resources"][name]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionInDays"}
    assert GOVERNANCE["Parameters"]["LogRetentionInDays"]["Default"] == 90
    # Each writer names one of them: nothing logs to a group CloudFormation does not keep.
    for function in ("ApiFunction", "WorkerFunction"):
        ref = GOVERNANCE["Resources"][function]["Properties"]["LoggingConfig"]["LogGroup"]
        assert ref["Ref"] in groups
    (container,) = GOVERNANCE["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    assert container["LogConfiguration"]["Options"]["awslogs-group"]["Ref"] in groups
    access = GOVERNANCE["Resources"]["HttpApiStage"]["Properties"]["AccessLogSettings"]["DestinationArn"]
    assert access["Fn::GetAtt"][0] in groups
    for template in (PRODUCER, CONSUMER):
        assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]


# ---------------------------------------------------------------------------------------------
# Compute and configuration
# ---------------------------------------------------------------------------------------------

def test_lambda_mode_runs_one_artifact_as_two_functions():
    resources = GOVERNANCE["Resources"]
    api, worker = resources["ApiFunction"]["Properties"], resources["WorkerFunction"]["Properties"]
    assert api["Handler"] == "serve" and worker["Handler"] == "work"  # meshgov reads it as _HANDLER
    for props in (api, worker):
        assert props["Runtime"] == "provided.al2023"
        assert props["Code"] == {"S3Bucket": {"Ref": "ArtifactBucket"}, "S3Key": {"Ref": "ArtifactKey"}}
        assert props["Architectures"] == [{"Ref": "Architecture"}]
        assert "ReservedConcurrentExecutions" not in props
    assert GOVERNANCE["Parameters"]["Architecture"]["Default"] == "arm64"
    assert resources["HttpApi"]["Properties"]["ProtocolType"] == "HTTP"
    integration = resources["HttpApiIntegration"]["Properties"]
    assert integration["IntegrationType"] == "AWS_PROXY" and integration["PayloadFormatVersion"] == "2.0"
    assert integration["IntegrationUri"] == {"Fn::GetAtt": ["ApiFunction", "Arn"]}
    assert resources["HttpApiDefaultRoute"]["Properties"]["RouteKey"] == "$default"
    schedule = resources["WorkerSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == "rate(1 minute)"
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": ["WorkerFunction", "Arn"]}
    assert schedule["Target"]["RoleArn"] == {"Fn::GetAtt": ["SchedulerRole", "Arn"]}
    (invoke,) = resources["SchedulerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert invoke["Action"] == "lambda:InvokeFunction" and invoke["Resource"] == {"Fn::GetAtt": ["WorkerFunction", "Arn"]}
    mapping = resources["WorkerCatalogEvents"]["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["CatalogEventsQueue", "Arn"]}
    assert mapping["FunctionName"] == {"Ref": "WorkerFunction"}
    lambda_only = {k for k, r in resources.items() if r.get("Condition") == "IsLambda"}
    assert {"ApiFunction", "WorkerFunction", "HttpApi", "WorkerSchedule", "WorkerCatalogEvents"} <= lambda_only


def test_ecs_mode_runs_behind_a_load_balancer_checking_readyz():
    resources = GOVERNANCE["Resources"]
    ecs_only = {k for k, r in resources.items() if r.get("Condition") in ("IsEcs", "EcsWithHttps")}
    assert {"Cluster", "TaskDefinition", "Service", "LoadBalancer", "TargetGroup", "HttpListener", "HttpsListener"} <= ecs_only
    (container,) = resources["TaskDefinition"]["Properties"]["ContainerDefinitions"]
    assert container["Image"] == {"Ref": "ImageUri"} and container["PortMappings"][0]["ContainerPort"] == 8080
    assert resources["TargetGroup"]["Properties"]["HealthCheckPath"] == "/readyz"
    assert resources["TargetGroup"]["Properties"]["Port"] == 8080
    assert resources["Service"]["Properties"]["DesiredCount"] == {"Ref": "DesiredCount"}
    assert GOVERNANCE["Parameters"]["DesiredCount"]["Default"] == 2
    assert resources["HttpsListener"]["Properties"]["Certificates"] == [{"CertificateArn": {"Ref": "CertificateArn"}}]
    for compute, url in (("lambda", "<GetAtt HttpApi.ApiEndpoint>"), ("ecs", "http://<GetAtt LoadBalancer.DNSName>")):
        assert Evaluator(GOVERNANCE, "1", Compute=compute).eval(GOVERNANCE["Outputs"]["ApiUrl"]["Value"]) == url
    https = Evaluator(GOVERNANCE, "1", Compute="ecs", CertificateArn="arn:aws:acm:eu-west-1:1:certificate/x")
    assert https.eval(GOVERNANCE["Outputs"]["ApiUrl"]["Value"]) == "https://<GetAtt LoadBalancer.DNSName>"


def test_every_way_the_service_runs_gets_the_same_configuration():
    envs = service_environments()
    common = {"MESHGOV_DATABASE_SECRET_ARN", "MESHGOV_DATABASE_HOST", "MESHGOV_DATABASE_PORT", "MESHGOV_DATABASE_NAME",
              "MESHGOV_CATALOG_EVENTS_QUEUE_URL", "MESHGOV_JWT_JWKS_URL", "MESHGOV_JWT_ISSUER",
              "MESHGOV_JWT_AUDIENCE", "MESHGOV_AWS_REGION", "MESHGOV_LOG_FORMAT", "MESHGOV_AWS_PRINCIPAL_ARN"}
    for name, env in envs.items():
        assert common <= set(env), f"{name} lacks {sorted(common - set(env))}"
        assert env["MESHGOV_AWS_REGION"] == {"Ref": "AWS::Region"}
        assert env["MESHGOV_LOG_FORMAT"] == "json"
        assert env["MESHGOV_CATALOG_EVENTS_QUEUE_URL"] == {"Ref": "CatalogEventsQueue"}
        for key in common:
            assert env[key] == envs["ApiFunction"][key], f"{name} {key}"
        assert all(k.startswith("MESHGOV_") for k in env), name


# ---------------------------------------------------------------------------------------------
# Catalog events
# ---------------------------------------------------------------------------------------------

GLUE_PATTERN = {"source": ["aws.glue"], "detail-type": ["Glue Data Catalog Database State Change",
                                                        "Glue Data Catalog Table State Change"]}


def test_catalog_events_reach_the_queue_from_producers_only():
    resources = GOVERNANCE["Resources"]
    assert resources["CatalogEventBus"]["Properties"]["Name"] == "meshgov-catalog-events"
    rule = resources["CatalogEventsRule"]["Properties"]
    assert rule["EventPattern"] == GLUE_PATTERN
    assert rule["EventBusName"] == {"Ref": "CatalogEventBus"}
    assert [t["Arn"] for t in rule["Targets"]] == [{"Fn::GetAtt": ["CatalogEventsQueue", "Arn"]}]
    queue = resources["CatalogEventsQueue"]["Properties"]
    assert queue["QueueName"] == "meshgov-catalog-events" and queue["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["CatalogEventsDeadLetterQueue", "Arn"]}
    assert resources["CatalogEventsDeadLetterQueue"]["Properties"]["SqsManagedSseEnabled"] is True
    (statement,) = resources["CatalogEventsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    rules = ["CatalogEventsRule", "DataAccessEventsRule", "OwnDataAccessEventsRule"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": [{"Fn::GetAtt": [r, "Arn"]} for r in rules]}}
    accounts = resources["CatalogEventBusProducerAccounts"]
    assert accounts["Condition"] == "HasProducerAccounts"
    assert accounts["Properties"]["Statement"]["Principal"] == {"AWS": {"Ref": "ProducerAccountIds"}}
    assert accounts["Properties"]["Statement"]["Action"] == "events:PutEvents"
    organization = resources["CatalogEventBusOrganization"]
    assert organization["Condition"] == "HasOrganization"
    assert organization["Properties"]["Statement"]["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": {"Ref": "OrganizationId"}}}
    nobody = Evaluator(GOVERNANCE, "1")
    assert not nobody.exists("CatalogEventBusProducerAccounts") and not nobody.exists("CatalogEventBusOrganization")


def test_producers_forward_their_glue_catalog_events():
    resources = PRODUCER["Resources"]
    rule = resources["CatalogEventsForwardRule"]
    assert rule["Condition"] == "HasCatalogEventBus"
    assert "EventBusName" not in rule["Properties"]  # the account's default bus, where Glue publishes
    assert rule["Properties"]["EventPattern"] == GLUE_PATTERN
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Ref": "CatalogEventBusArn"}
    assert target["RoleArn"] == {"Fn::GetAtt": ["CatalogEventsForwardRole", "Arn"]}
    (statement,) = resources["CatalogEventsForwardRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "events:PutEvents" and statement["Resource"] == {"Ref": "CatalogEventBusArn"}
    assert not Evaluator(PRODUCER, "1", GovernanceAccountId="1" * 12, ExternalId="x", DataBucket="b").exists(
        "CatalogEventsForwardRule")


DATA_ACCESS_PATTERN = {"source": ["aws.lakeformation"], "detail-type": ["AWS API Call via CloudTrail"],
                       "detail": {"eventSource": ["lakeformation.amazonaws.com"], "eventName": ["GetDataAccess"]}}


def test_data_access_events_reach_the_queue_from_every_grant_holder():
    """GetDataAccess is a read-only management event: EventBridge gives it only to rules in the
    ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS state (EventBridge user guide, "Receiving read-only
    management events from AWS services")."""
    resources = GOVERNANCE["Resources"]
    forwarded = resources["DataAccessEventsRule"]["Properties"]
    own = resources["OwnDataAccessEventsRule"]["Properties"]
    assert forwarded["EventBusName"] == {"Ref": "CatalogEventBus"}
    assert "EventBusName" not in own  # the default bus, where this account's CloudTrail publishes
    for rule in (forwarded, own):
        assert rule["EventPattern"] == DATA_ACCESS_PATTERN
        assert rule["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
        assert [t["Arn"] for t in rule["Targets"]] == [{"Fn::GetAtt": ["CatalogEventsQueue", "Arn"]}]
    rule = PRODUCER["Resources"]["DataAccessEventsForwardRule"]
    assert rule["Condition"] == "ForwardsDataAccess"
    assert rule["Properties"]["EventPattern"] == DATA_ACCESS_PATTERN
    assert rule["Properties"]["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    (target,) = rule["Properties"]["Targets"]
    assert target == {"Id": "meshgov-data-access-events", "Arn": {"Ref": "CatalogEventBusArn"},
                      "RoleArn": {"Fn::GetAtt": ["CatalogEventsForwardRole", "Arn"]}}
    # Only in producer mode do the producer's own accounts hold grants.
    central = Evaluator(PRODUCER, "1", CatalogMode="central", CatalogEventBusArn="arn:aws:events:us-east-1:1:event-bus/b")
    producer = Evaluator(PRODUCER, "1", CatalogMode="producer", CatalogEventBusArn="arn:aws:events:us-east-1:1:event-bus/b")
    assert producer.exists("DataAccessEventsForwardRule") and not central.exists("DataAccessEventsForwardRule")
