"""Contains all the data models used in inputs/outputs"""

from .access_policy import AccessPolicy
from .access_policy_patch import AccessPolicyPatch
from .access_report import AccessReport
from .access_row import AccessRow
from .access_state import AccessState
from .access_step import AccessStep
from .approval import Approval
from .approval_policy import ApprovalPolicy
from .audit_event import AuditEvent
from .audit_event_details import AuditEventDetails
from .bad_event import BadEvent
from .catalog_mode import CatalogMode
from .check import Check
from .check_summary import CheckSummary
from .classification import Classification
from .cloud_event import CloudEvent
from .column import Column
from .confirmation import Confirmation
from .decision_comment import DecisionComment
from .delivery import Delivery
from .delivery_state import DeliveryState
from .domain import Domain
from .domain_access_report_format import DomainAccessReportFormat
from .domain_patch import DomainPatch
from .domain_readiness import DomainReadiness
from .domain_readiness_trust_policy_type_0 import DomainReadinessTrustPolicyType0
from .drift_report import DriftReport
from .event_actor import EventActor
from .event_data import EventData
from .event_data_details import EventDataDetails
from .event_page import EventPage
from .field_error import FieldError
from .finding_kind import FindingKind
from .finding_view import FindingView
from .finding_view_resource import FindingViewResource
from .grant import Grant
from .grant_resource import GrantResource
from .grant_resource_type import GrantResourceType
from .grant_state import GrantState
from .health import Health
from .health_rollup import HealthRollup
from .health_status import HealthStatus
from .job import Job
from .job_payload import JobPayload
from .job_result_type_0 import JobResultType0
from .job_status import JobStatus
from .list_audit_order import ListAuditOrder
from .list_reviews_state import ListReviewsState
from .liveness import Liveness
from .new_domain import NewDomain
from .new_product import NewProduct
from .new_subscription import NewSubscription
from .new_webhook import NewWebhook
from .page_audit_event import PageAuditEvent
from .page_delivery import PageDelivery
from .page_domain import PageDomain
from .page_product import PageProduct
from .page_review import PageReview
from .page_schema_change import PageSchemaChange
from .page_subscription import PageSubscription
from .page_webhook import PageWebhook
from .permission import Permission
from .planned_access import PlannedAccess
from .planned_grant import PlannedGrant
from .planned_grant_resource import PlannedGrantResource
from .planned_revoke import PlannedRevoke
from .planned_revoke_resource import PlannedRevokeResource
from .planned_sync import PlannedSync
from .problem import Problem
from .product import Product
from .product_access_report_format import ProductAccessReportFormat
from .product_patch import ProductPatch
from .product_schema import ProductSchema
from .product_status import ProductStatus
from .product_sync import ProductSync
from .provisioning import Provisioning
from .readiness import Readiness
from .ready_status import ReadyStatus
from .reconcile_plan import ReconcilePlan
from .rejection import Rejection
from .review import Review
from .review_revocation import ReviewRevocation
from .review_state import ReviewState
from .role_policy import RolePolicy
from .role_policy_document import RolePolicyDocument
from .schema_change import SchemaChange
from .schema_change_details import SchemaChangeDetails
from .schema_change_kind import SchemaChangeKind
from .scope import Scope
from .source import Source
from .stack_launch import StackLaunch
from .stack_launch_parameters import StackLaunchParameters
from .step_name import StepName
from .step_status import StepStatus
from .subscription import Subscription
from .subscription_access import SubscriptionAccess
from .subscription_health import SubscriptionHealth
from .subscription_status import SubscriptionStatus
from .sync_state import SyncState
from .sync_status import SyncStatus
from .table_schema import TableSchema
from .table_schema_parameters import TableSchemaParameters
from .table_scope import TableScope
from .unused_action import UnusedAction
from .unverified import Unverified
from .usage import Usage
from .verify_report import VerifyReport
from .webhook import Webhook
from .webhook_status import WebhookStatus

__all__ = (
    "AccessPolicy",
    "AccessPolicyPatch",
    "AccessReport",
    "AccessRow",
    "AccessState",
    "AccessStep",
    "Approval",
    "ApprovalPolicy",
    "AuditEvent",
    "AuditEventDetails",
    "BadEvent",
    "CatalogMode",
    "Check",
    "CheckSummary",
    "Classification",
    "CloudEvent",
    "Column",
    "Confirmation",
    "DecisionComment",
    "Delivery",
    "DeliveryState",
    "Domain",
    "DomainAccessReportFormat",
    "DomainPatch",
    "DomainReadiness",
    "DomainReadinessTrustPolicyType0",
    "DriftReport",
    "EventActor",
    "EventData",
    "EventDataDetails",
    "EventPage",
    "FieldError",
    "FindingKind",
    "FindingView",
    "FindingViewResource",
    "Grant",
    "GrantResource",
    "GrantResourceType",
    "GrantState",
    "Health",
    "HealthRollup",
    "HealthStatus",
    "Job",
    "JobPayload",
    "JobResultType0",
    "JobStatus",
    "ListAuditOrder",
    "ListReviewsState",
    "Liveness",
    "NewDomain",
    "NewProduct",
    "NewSubscription",
    "NewWebhook",
    "PageAuditEvent",
    "PageDelivery",
    "PageDomain",
    "PageProduct",
    "PageReview",
    "PageSchemaChange",
    "PageSubscription",
    "PageWebhook",
    "Permission",
    "PlannedAccess",
    "PlannedGrant",
    "PlannedGrantResource",
    "PlannedRevoke",
    "PlannedRevokeResource",
    "PlannedSync",
    "Problem",
    "Product",
    "ProductAccessReportFormat",
    "ProductPatch",
    "ProductSchema",
    "ProductStatus",
    "ProductSync",
    "Provisioning",
    "Readiness",
    "ReadyStatus",
    "ReconcilePlan",
    "Rejection",
    "Review",
    "ReviewRevocation",
    "ReviewState",
    "RolePolicy",
    "RolePolicyDocument",
    "SchemaChange",
    "SchemaChangeDetails",
    "SchemaChangeKind",
    "Scope",
    "Source",
    "StackLaunch",
    "StackLaunchParameters",
    "StepName",
    "StepStatus",
    "Subscription",
    "SubscriptionAccess",
    "SubscriptionHealth",
    "SubscriptionStatus",
    "SyncState",
    "SyncStatus",
    "TableSchema",
    "TableSchemaParameters",
    "TableScope",
    "UnusedAction",
    "Unverified",
    "Usage",
    "VerifyReport",
    "Webhook",
    "WebhookStatus",
)
