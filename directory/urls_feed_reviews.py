from django.urls import path

from . import feed_review_views

app_name = "feed_reviews"

urlpatterns = [
    path("feeds/reviews/", feed_review_views.review_queue, name="queue"),
    path("feeds/reviews/<int:review_id>/", feed_review_views.review_item, name="item"),
]
