from django import forms

from outings.notifications.models import EmailPreferences


class EmailPreferencesForm(forms.ModelForm[EmailPreferences]):
    # The preferences as the page showed them (selectors.preferences_version); empty from a page
    # shown before it was sent.
    version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=16)

    class Meta:
        model = EmailPreferences
        # The topics some notification is mailed under (texts.TOPIC_OF_KIND); not "messages",
        # which nothing sends yet (models.EmailPreferences).
        fields = ["bookings", "listings", "waitlist"]
