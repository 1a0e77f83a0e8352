"""Pages of the performance app: the customer's review page (`/r/<token>/`), and the seller's
performance page, its drill-down to orders and the reviews list in the dashboard.

Thin adapters: check the token or the signed-in seller, call one selector or service, render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shipdesk.customer_link_pages import customer_link_page
from shipdesk.dashboard.access import seller_view
from shipdesk.dashboard.feedback import attempt
from shipdesk.errors import NotFound, ValidationFailed
from shipdesk.orders.models import OrderStatus
from shipdesk.pagination import BadCursor

from . import metrics, reviews, selectors
from .charts import format_value, line_chart
from .forms import ReplyForm, ReviewForm

# A signed token is ~40 characters; anything far longer is not one of ours.
_MAX_TOKEN = 300


def _unavailable(request, *, status: int, heading: str, explanation: str, order=None):
    context = {"heading": heading, "explanation": explanation, "order": order, "shop": order.seller if order else None}
    return render(request, "performance/review_unavailable.html", context, status=status)


@customer_link_page
@require_http_methods(["GET", "POST"])
def review_page(request, token: str):
    """The customer rates a delivered order once; a second visit shows what they wrote."""
    order = reviews.order_for_review_token(token) if len(token) <= _MAX_TOKEN else None
    if order is None:
        return _unavailable(
            request,
            status=404,
            heading="This review link does not work",
            explanation="It may be incomplete (copy the whole link from the email) or older than 90 days, "
            "after which reviews are closed. Nothing else needs doing.",
        )
    context = {"order": order, "shop": order.seller}
    existing = reviews.review_of_order(order_id=order.pk)
    if existing is not None:
        return render(request, "performance/review_done.html", {**context, "review": existing, "just_left": False})
    if order.status != OrderStatus.DELIVERED:
        return _unavailable(
            request,
            status=409,
            heading="This order cannot be reviewed yet",
            explanation="Reviews open once the order has been delivered.",
            order=order,
        )
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = reviews.leave_review(
                order_id=order.pk, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
            )
        except reviews.AlreadyReviewed:
            # A second tab, or a double click that lost the race: show the review that won.
            review = reviews.review_of_order(order_id=order.pk)
            return render(request, "performance/review_done.html", {**context, "review": review, "just_left": False})
        except reviews.NotDelivered as exc:
            return _unavailable(
                request, status=409, heading="This order cannot be reviewed yet", explanation=exc.message, order=order
            )
        except ValidationFailed as exc:
            for name, problems in exc.details.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, str(problem))
        else:
            return render(request, "performance/review_done.html", {**context, "review": review, "just_left": True})
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "performance/review_form.html", {**context, "form": form}, status=status)


# --- the seller's dashboard: /performance/ ----------------------------------------------------------

STANDING_TEXT = {
    metrics.GOOD: ("Good standing", "Every metric is within its target. Keep it up."),
    metrics.AT_RISK: (
        "At risk",
        "A metric is close to its target, or you have active penalty points. Fix what is listed below before it "
        "becomes a breach.",
    ),
    metrics.PENALISED: (
        "Penalised",
        "A metric missed its target or your penalty points reached the limit: your earnings are held longer until "
        "you fix it.",
    ),
}
STATUS_TEXT = {
    "good": "On target",
    "at_risk": "Close to the target",
    "breach": "Target missed",
    "no_data": "No orders yet",
}
# What the orders in a figure's numerator are, per metric ("3 of 40 orders shipped late").
NUMERATOR_TEXT = {
    metrics.LATE_CONFIRMATION: "confirmed late",
    metrics.LATE_SHIPMENT: "shipped late",
    metrics.CANCELLATION: "cancelled by the shop",
    metrics.VALID_TRACKING: "scanned by the carrier",
    metrics.ON_TIME_DELIVERY: "delivered on time",
    metrics.HANDLING_TIME: "shipped",
    metrics.RATING: "reviewed",
    metrics.ORDER_DEFECT: "with a defect",
    metrics.RESPONSE_TIME: "with customer messages answered in time",
    metrics.RETURN_RATE: "with a return requested",
    metrics.RETURN_RESPONSE: "with return requests answered in time",
}
HISTORY_DAYS = 90


@dataclass(frozen=True)
class MetricCard:
    figure: metrics.MetricFigure
    metric: metrics.Metric
    value_text: str
    target_text: str
    status_text: str
    numerator_text: str
    chart: str  # SVG markup, every text in it escaped by `charts.line_chart`
    history: list[tuple]  # (day, value text) for the table under the chart


def _target_text(figure: metrics.MetricFigure) -> str:
    """ "target below 4.0 %", or "no target" for the figures shown for information."""
    if figure.target is None:
        return "no target"
    return f"target {'below' if figure.direction == 'max' else 'above'} {format_value(figure.target, figure.unit)}"


def _status_text(figure: metrics.MetricFigure) -> str:
    if figure.target is None and figure.status == "good":
        return "For your information"
    if figure.unit == "stars" and figure.status == "no_data":
        return "No reviews yet"
    if figure.status == "no_data" and figure.denominator > 0:
        # Shown but not judged: too few orders for a rate to mean anything (metrics.MIN_ORDERS).
        return f"Not judged yet: under {metrics.MIN_ORDERS} orders"
    return STATUS_TEXT.get(figure.status, figure.status)


def _cards(performance, history, *, today) -> list[MetricCard]:
    cards = []
    for figure in performance.metrics:
        metric = metrics.METRICS[figure.key]
        points = [(row.day, row.values.get(figure.key)) for row in history]
        chart = line_chart(
            points=points,
            target=figure.target,
            unit=figure.unit,
            direction=figure.direction,
            title=f"{figure.label}, daily, last {HISTORY_DAYS} days",
            description=f"Each point is the {figure.window_days}-day figure as of that day; the dashed line is the "
            f"target, {_target_text(figure)}.",
            chart_id=f"chart-{figure.key}",
            first_day=today - timedelta(days=HISTORY_DAYS),
            last_day=today - timedelta(days=1),
        )
        cards.append(
            MetricCard(
                figure=figure,
                metric=metric,
                value_text=format_value(figure.value, figure.unit),
                target_text=_target_text(figure),
                status_text=_status_text(figure),
                numerator_text=NUMERATOR_TEXT.get(figure.key, "counted"),
                chart=chart,
                history=[(day, format_value(value, figure.unit)) for day, value in reversed(points)],
            )
        )
    return cards


@seller_view
@require_GET
def performance_page(request):
    seller = request.seller
    performance = selectors.current_performance(seller_id=seller.pk)
    # `seller_view` has switched to the shop's timezone: today is the shop's today.
    today = timezone.localdate()
    history = selectors.performance_history(seller_id=seller.pk, days=HISTORY_DAYS, today=today)
    cards = _cards(performance, history, today=today)
    heading, advice = STANDING_TEXT.get(performance.standing, (performance.standing, ""))
    context = {
        "nav": "performance",
        "performance": performance,
        "standing_heading": heading,
        "standing_advice": advice,
        "to_fix": [card for card in cards if card.figure.status in ("breach", "at_risk")],
        "cards": cards,
        "history_days": HISTORY_DAYS,
        "penalised_points": metrics.PENALISED_POINTS,
    }
    return render(request, "performance/page.html", context)


@seller_view
@require_GET
def metric_orders_page(request, metric: str):
    """The orders behind one figure: the ones in its numerator first, then the rest; keyset-paged."""
    seller = request.seller
    if metric not in metrics.METRICS:
        raise Http404("No such metric.")
    try:
        rows, next_cursor = selectors.metric_orders(
            seller_id=seller.pk, metric=metric, limit=50, cursor=request.GET.get("cursor") or None
        )
    except BadCursor:
        rows, next_cursor = selectors.metric_orders(seller_id=seller.pk, metric=metric, limit=50)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    performance = selectors.current_performance(seller_id=seller.pk)
    figure = next(f for f in performance.metrics if f.key == metric)
    context = {
        "nav": "performance",
        "figure": figure,
        "metric": metrics.METRICS[metric],
        "value_text": format_value(figure.value, figure.unit),
        "target_text": _target_text(figure),
        "status_text": _status_text(figure),
        "numerator_text": NUMERATOR_TEXT.get(metric, "counted"),
        "is_average": figure.unit != "percent",
        "rows": rows,
        "next_cursor": next_cursor,
        "first_page": not request.GET.get("cursor"),
    }
    return render(request, "performance/metric_orders.html", context)


def _render_reviews(request, *, reply_forms: dict | None = None, status: int = 200):
    seller = request.seller
    try:
        page = reviews.seller_reviews(seller_id=seller.pk, limit=25, cursor=request.GET.get("cursor") or None)
    except BadCursor:
        page = reviews.seller_reviews(seller_id=seller.pk, limit=25)
    forms_by_review = reply_forms or {}
    items = [
        (
            review,
            forms_by_review.get(review.pk)
            or (ReplyForm(prefix=f"reply-{review.pk}") if not review.replied_at else None),
        )
        for review in page.items
    ]
    context = {"nav": "performance", "items": items, "next_cursor": page.next_cursor}
    return render(request, "performance/reviews.html", context, status=status)


@seller_view
@require_GET
def reviews_page(request):
    return _render_reviews(request)


@seller_view
@require_POST
def review_reply(request, review_id: int):
    form = ReplyForm(request.POST, prefix=f"reply-{review_id}")
    if form.is_valid():
        outcome = attempt(
            request,
            lambda: reviews.reply_to_review(
                review_id=review_id, seller_id=request.seller.pk, user=request.user, text=form.cleaned_data["text"]
            ),
            form=form,
            success="Reply posted under the review.",
        )
        if outcome.ok:
            return redirect(f"{reverse('performance_reviews')}#review-{review_id}")
    return _render_reviews(request, reply_forms={review_id: form}, status=422)
