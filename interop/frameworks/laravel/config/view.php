<?php
return [
    'paths' => [dirname(__DIR__).'/resources/views'],
    'compiled' => getenv('LIMPET_FW_STATE').'/views',
];
