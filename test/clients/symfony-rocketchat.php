<?php
// Sends one chat message with Symfony Notifier's RocketChat bridge (Debian's
// php-symfony-rocket-chat-notifier), as an application configured with
//   ROCKETCHAT_DSN=rocketchat://ID%2FTOKEN@HOST:PORT?channel=CHANNEL
// would. The bridge always builds an https:// URL; the only change made here is that its
// HTTP client speaks plain http to the local test server.
// Usage: php symfony-rocketchat.php HOST:PORT ID/TOKEN CHANNEL SUBJECT [ATTACHMENT_JSON]
// Prints "sent <message id or ->" and exits 0, or prints the bridge's error and exits 1.
require_once '/usr/share/php/Symfony/Component/Notifier/Bridge/RocketChat/autoload.php';

use Symfony\Component\HttpClient\DecoratorTrait;
use Symfony\Component\HttpClient\HttpClient;
use Symfony\Component\Notifier\Bridge\RocketChat\RocketChatOptions;
use Symfony\Component\Notifier\Bridge\RocketChat\RocketChatTransportFactory;
use Symfony\Component\Notifier\Message\ChatMessage;
use Symfony\Component\Notifier\Transport\Dsn;
use Symfony\Contracts\HttpClient\HttpClientInterface;
use Symfony\Contracts\HttpClient\ResponseInterface;

final class PlainHttp implements HttpClientInterface
{
    use DecoratorTrait;

    public function request(string $method, string $url, array $options = []): ResponseInterface
    {
        return $this->client->request($method, preg_replace('#^https://#', 'http://', $url), $options);
    }
}

[$script, $endpoint, $token, $channel, $subject] = array_slice($argv, 0, 5);
$attachment = isset($argv[5]) ? json_decode($argv[5], true) : null;

$dsn = new Dsn(sprintf('rocketchat://%s@%s?channel=%s', rawurlencode($token), $endpoint, rawurlencode($channel)));
$transport = (new RocketChatTransportFactory(null, new PlainHttp(HttpClient::create())))->create($dsn);

$message = new ChatMessage($subject, $attachment === null ? null : new RocketChatOptions($attachment));
try {
    $sent = $transport->send($message);
    echo 'sent ', $sent->getMessageId() ?? '-', "\n";
    exit(0);
} catch (\Throwable $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
    exit(1);
}
