"""E-mail people asked for: commenters told of their comment's publication and of replies,
moderators told of a backlog. No Flask request in here.

- outbox: the messages to send, queued in the caller's transaction (the daily limit per
  address, the suppressed addresses), claimed by a worker under a lease, marked;
- notices: what a commenter is told, queued as a decision publishes a comment;
- digest: when moderators are told of a backlog, and what they are told;
- links: the signed links in messages (unsubscribe; approve or reject from a digest);
- decisions: a moderator's decision from a digest's link, through the lifecycle;
- messages: a message drawn from its outbox row, its text and HTML parts and headers;
- sending: handing a message to Flask-Mailman, and what the server's refusal means;
- folder: the backend that writes messages to instance/outbox/ and the log;
- worker: `flask mail-worker`, the loop that sends.

Nothing here is imported by this file: the lifecycle imports the outbox and the notices,
and the digest's decisions import the lifecycle, so each module is imported by name.
"""
