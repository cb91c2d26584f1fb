// Progressive enhancement: taps and feedback are sent in the background; without this file
// the same forms post normally and the server redirects back with a notice.
(function () {
  "use strict";
  if (!window.fetch || !window.JSON) return;

  // One random key per action (tap or send), reused on its retries: the server stores a
  // retried write once and answers it as it answered the first (README, "The JSON API").
  function newKey() {
    var c = window.crypto || window.msCrypto;
    if (!c || !c.getRandomValues) return null;
    var bytes = c.getRandomValues(new Uint8Array(16)), out = "";
    for (var i = 0; i < bytes.length; i++) out += ("0" + bytes[i].toString(16)).slice(-2);
    return out;
  }

  var RETRY_DELAYS = [1000, 3000]; // after a 503 or a network failure, then give up

  function post(url, body, key) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    if (key) headers["Idempotency-Key"] = key;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify(body)
    });
  }

  function send(url, body) {
    var key = newKey();
    function attempt(n) {
      var again = function () {
        return new Promise(function (resolve) { setTimeout(resolve, RETRY_DELAYS[n]); })
          .then(function () { return attempt(n + 1); });
      };
      return post(url, body, key).then(function (r) {
        if (r.status === 503 && n < RETRY_DELAYS.length) return again();
        return r.json().then(function (data) { return { ok: r.ok, data: data }; },
          function () { return { ok: false, data: { error: "Not counted: please try again." } }; });
      }, function (err) {
        if (n < RETRY_DELAYS.length) return again();
        throw err;
      });
    }
    return attempt(0);
  }

  function say(el, text, ok) {
    el.textContent = (ok ? "✓ " : "") + text;
    el.className = "status" + (ok ? "" : " wait");
  }

  var reactions = document.querySelector("form.reactions");
  var reactStatus = document.getElementById("react-status");
  if (reactions && reactStatus) {
    reactions.addEventListener("submit", function (ev) {
      var button = ev.submitter;
      if (!button || !button.value) return;
      ev.preventDefault();
      var label = button.querySelector(".label").textContent;
      send(reactions.getAttribute("data-api"), { kind: button.value }).then(function (res) {
        if (res.ok) {
          var tally = button.querySelector(".tally");
          var n = (parseInt(tally.getAttribute("data-n") || "0", 10) || 0) + 1;
          tally.setAttribute("data-n", String(n));
          tally.textContent = "✓ " + n;
          button.classList.add("sent");
          say(reactStatus, "Counted: " + label, true);
        } else {
          say(reactStatus, res.data.error || "Not counted: please try again.", false);
        }
      }, function () {
        say(reactStatus, "Not sent: check your connection and tap again.", false);
      });
    });
  }

  var form = document.querySelector("form.feedback");
  var fbStatus = document.getElementById("fb-status");
  if (form && fbStatus) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = new FormData(form);
      var rating = data.get("rating");
      var body = {
        rating: rating ? parseInt(rating, 10) : null,
        comment: data.get("comment") || ""
      };
      send(form.getAttribute("data-api"), body).then(function (res) {
        if (res.ok) {
          say(fbStatus, "Thank you! Your feedback is saved. Sending it again replaces it.", true);
        } else {
          say(fbStatus, res.data.error || "Not saved: please try again.", false);
        }
      }, function () {
        say(fbStatus, "Not sent: check your connection and try again.", false);
      });
    });
  }

  // What I'll try: saved without leaving the page, so the feedback typed above and the
  // reaction tallies stay as they are (a full page post used to empty them).
  var commit = document.querySelector("form.commit");
  var commitStatus = document.getElementById("commit-status");
  if (commit && commitStatus) {
    commit.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = new FormData(commit);
      var body = {
        try_text: data.get("try_text") || "",
        when_where: data.get("when_where") || "",
        help: data.get("help") || "",
        named: data.get("named") || ""
      };
      send(commit.getAttribute("data-api"), body).then(function (res) {
        if (res.ok) {
          say(commitStatus, res.data.named
            ? "Saved, with your name: it goes on your CPD record. Sending again replaces it."
            : "Saved, without your name. Sending again replaces it.", true);
        } else {
          say(commitStatus, res.data.error || "Not saved: please try again.", false);
        }
      }, function () {
        say(commitStatus, "Not sent: check your connection and try again.", false);
      });
    });
  }
})();
