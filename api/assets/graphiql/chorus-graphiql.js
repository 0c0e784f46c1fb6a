// Starts GraphiQL against the server that served this page.
//
// /graphql answers only requests with a bearer token, and the page holds none: paste one (from
// `chorus token --person USERNAME`) into the Headers tab as {"Authorization": "Bearer …"}.
// GraphiQL sends those headers with every HTTP request and, for subscriptions, in the
// graphql-transport-ws connection_init payload. Headers are not persisted (no local storage,
// no cookies): a reload forgets the token.
(function () {
  'use strict';
  var http = new URL('/graphql', window.location.href);
  var ws = new URL('/graphql/ws', window.location.href);
  ws.protocol = ws.protocol === 'https:' ? 'wss:' : 'ws:';
  var send = GraphiQL.createFetcher({
    url: http.toString(),
    subscriptionUrl: ws.toString(),
    // Cookies are never an auth source of this API: do not send them.
    fetch: function (url, options) {
      return window.fetch(url, Object.assign({}, options, { credentials: 'omit' }));
    },
  });
  // Without a token every request would be a 401 (the first one is GraphiQL's schema request
  // on load): say what to do instead.
  function fetcher(params, options) {
    var headers = (options && options.headers) || {};
    var authorization = Object.keys(headers)
      .filter(function (name) { return name.toLowerCase() === 'authorization'; })
      .map(function (name) { return String(headers[name]); })[0];
    if (!authorization || !/^bearer\s+[^\s<>]+$/i.test(authorization.trim())) {
      return Promise.resolve({
        errors: [{
          message: 'Paste a token into the Headers tab as {"Authorization": "Bearer …"} ' +
            '(chorus token --person USERNAME), then run the query or re-fetch the schema.',
        }],
      });
    }
    return send(params, options);
  }
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultHeaders: '{\n  "Authorization": "Bearer <paste a token from chorus token>"\n}',
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
      defaultQuery: '# Put your token in the Headers tab below, then run:\n{\n  me {\n    displayName\n  }\n}\n',
    }),
  );
})();
